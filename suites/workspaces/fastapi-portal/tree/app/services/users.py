import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import hash_password, verify_password
from app.models.user import User

PAGE_SIZE = 25
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


def normalise_email(email: str) -> str:
    """Lower-case the address and strip surrounding whitespace."""
    return email.strip().lower()


def is_valid_email(email):
    return bool(_EMAIL.match(email))


async def create_user(session: AsyncSession, email: str, password: str, full_name: str = "") -> User:
    if not is_valid_email(email):
        raise ValueError(f"invalid email: {email!r}")
    user = User(email=normalise_email(email), password_hash=hash_password(password), full_name=full_name)
    session.add(user)
    await session.commit()
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = (await session.scalars(select(User).where(User.email == normalise_email(email)))).first()
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        return None
    return user


async def search_users(session, q, page=1):
    stmt = select(User).order_by(User.email).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(or_(User.email.ilike(pattern), User.full_name.ilike(pattern)))
    return list(await session.scalars(stmt))


async def deactivate_stale_users(session: AsyncSession, days: int = 365) -> int:
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    users = (await session.scalars(select(User).where(User.created_at < cutoff, User.is_active))).all()
    for user in users:
        user.is_active = False
    await session.commit()
    return len(users)


async def count_active(session: AsyncSession) -> int:
    """How many users can log in."""
    return await session.scalar(select(func.count()).select_from(User).where(User.is_active))


def display_name(user: User) -> str:
    return user.full_name or user.email.split("@", 1)[0]
