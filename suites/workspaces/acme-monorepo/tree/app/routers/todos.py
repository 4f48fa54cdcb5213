from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/api/todos", tags=["todos"])

_TODOS: dict[int, dict] = {}


@router.get("/")
def list_todos() -> list[dict]:
    return list(_TODOS.values())


@router.get("/{todo_id}")
def get_todo(todo_id: int) -> dict:
    if todo_id not in _TODOS:
        raise HTTPException(status_code=404, detail="todo not found")
    return _TODOS[todo_id]
