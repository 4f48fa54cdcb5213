from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import current_user
from app.db.session import get_session
from app.models.user import User
from app.services import users as service

router = APIRouter()


@router.get("/me")
async def me(user: User = Depends(current_user)):
    return {"id": user.id, "email": user.email, "full_name": user.full_name}


@router.get("/")
async def list_users(q: str = "", page: int = 1, session: AsyncSession = Depends(get_session),
                     _: User = Depends(current_user)):
    return await service.search_users(session, q, page=page)
