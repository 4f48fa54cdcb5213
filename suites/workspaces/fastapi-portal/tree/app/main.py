from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.auth.router import router as auth_router
from app.core.config import settings
from app.routers.users import router as users_router
from app.views import legacy_app

app = FastAPI(title=settings.PROJECT_NAME)
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.CORS_ORIGINS,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)

app.include_router(auth_router, prefix="/auth", tags=["auth"])
app.include_router(users_router, prefix="/users", tags=["users"])

# The old Flask screens, until the SPA has replaced them.
app.mount("/legacy", WSGIMiddleware(legacy_app))


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
