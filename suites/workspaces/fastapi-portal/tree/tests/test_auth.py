from datetime import datetime, timedelta, timezone

import pytest
from jose import jwt

from app.auth.tokens import create_access_token, decode_access_token
from app.core.config import settings


def _claims(token: str) -> dict:
    return jwt.decode(token, settings.SECRET_KEY, algorithms=[settings.ALGORITHM])


def test_token_carries_subject():
    token = create_access_token("42")
    assert _claims(token)["sub"] == "42"


def test_token_has_issued_at():
    before = int(datetime.now(timezone.utc).timestamp())
    assert _claims(create_access_token("42"))["iat"] >= before


def test_decode_rejects_tampered_token():
    token = create_access_token("42")
    with pytest.raises(Exception):
        decode_access_token(token[:-2] + "xx")


def test_decode_rejects_other_secret():
    token = jwt.encode({"sub": "42"}, "not-our-secret", algorithm="HS256")
    with pytest.raises(Exception):
        decode_access_token(token)


def test_expired_token_is_rejected():
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    token = jwt.encode({"sub": "42", "exp": past}, settings.SECRET_KEY, algorithm=settings.ALGORITHM)
    with pytest.raises(Exception):
        decode_access_token(token)


async def test_login_with_wrong_password_is_400(client, monkeypatch):
    async def no_user(*args, **kwargs):
        return None

    monkeypatch.setattr("app.services.users.authenticate", no_user)
    response = await client.post("/auth/token", data={"username": "a@b.io", "password": "nope"})
    assert response.status_code in (400, 422)


# The lifetime must follow the setting, whatever it is: the SPA schedules its re-login from it.
def test_token_lifetime_follows_setting():
    claims = _claims(create_access_token("42"))
    # iat and exp are whole seconds, so the difference is exact
    assert claims["exp"] - claims["iat"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
