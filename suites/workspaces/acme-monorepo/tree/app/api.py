"""The new FastAPI service that replaces the Flask blueprint piece by piece."""

from fastapi import FastAPI

from app.routers import todos

api = FastAPI(title="acme todos")
api.include_router(todos.router)
