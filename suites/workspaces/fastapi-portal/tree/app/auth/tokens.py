"""Issuing and checking the portal's JWT access tokens."""
from datetime import datetime, timedelta, timezone

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.db.session import get_session
from app.models.user import User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")

CREDENTIALS_ERROR = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def create_access_token(subject: str, extra: dict | None = None) -> str:
    # iat and exp in whole seconds (jose converts datetimes)
    claims = {"sub": subject, "iat": _now()}
    if extra:
        claims.update(extra)
    expire = datetime.now(timezone.utc) + timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    claims["exp"] = expire
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=settings.ALGORITHM)


def decode_access_token(token: str) -> dict:
    try:
        return jwt.decode(token, settings.SECRET_KEY, algorithms=[settings.ALGORITHM])
    except JWTError:
        raise CREDENTIALS_ERROR from None


async def current_user(token: str = Depends(oauth2_scheme),
                       session: AsyncSession = Depends(get_session)) -> User:
    claims = decode_access_token(token)
    user = await session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise CREDENTIALS_ERROR
    return user
