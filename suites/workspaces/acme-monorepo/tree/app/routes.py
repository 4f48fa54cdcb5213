from flask import Blueprint, jsonify, request
from .models import db, Todo

bp = Blueprint("todos", __name__, url_prefix="/todos")


@bp.get("/")
def list_todos():
    return jsonify([t.to_dict() for t in Todo.query.all()])


@bp.post("/")
def create_todo():
    todo = Todo(title=request.json["title"])
    db.session.add(todo)
    db.session.commit()
    return jsonify(todo.to_dict()), 201
