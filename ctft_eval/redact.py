"""Keeping credentials out of everything a run prints or writes.

A backend URL may carry them (`http://user:pass@host/v1`, `...?api_key=...`) and so may the
environment (OPENAI_API_KEY). They are still sent to the server; every sink (the terminal, the
run record, JUnit texts, error messages) shows `user:***@host` and `api_key=***` instead.
`remember` notes a secret's value, so that it is hidden also where a message quotes it in
another form than a URL. No pytest in here.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
SECRET_PARAMS = ("api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "password", "secret",
                 "sig", "signature", "client_secret")
_MIN_SECRET = 4  # shorter values would mask ordinary words

_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^\s/@:?#]*)(?::(?P<pw>[^\s/@?#]*))?@")
_NAMES = "|".join(re.escape(p) for p in SECRET_PARAMS)
_PARAM = re.compile(rf"(?P<name>[?&;](?:{_NAMES})=)(?P<value>[^&#\s]+?)(?=['\"]?(?:[&#\s]|$))", re.IGNORECASE)
_BEARER = re.compile(rf"\b(?P<name>Bearer|Basic)\s+(?P<value>[A-Za-z0-9._~+/=-]{{{_MIN_SECRET},}})")

_known: set[str] = set()
_lock = threading.Lock()


def _userinfo(match: re.Match[str]) -> str:
    if match.group("pw") is not None:
        return f"{match.group('scheme')}{match.group('user')}:{MASK}@"
    return f"{match.group('scheme')}{MASK}@"  # a lone user part is usually a token


def redact(text: str) -> str:
    """The text with every credential it contains masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    out = text
    for secret in known:  # first: a remembered value may hold characters the patterns stop at
        out = out.replace(secret, MASK)
    out = _USERINFO.sub(_userinfo, out)
    out = _PARAM.sub(lambda m: m.group("name") + MASK, out)
    return _BEARER.sub(lambda m: f"{m.group('name')} {MASK}", out)


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)


def redact_data(data: Any) -> Any:
    """Strings in nested dicts, lists and tuples masked (a copy; other values as they are)."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {key: redact_data(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(redact_data(value) for value in data)
    return data


def secrets_in(url: str | None) -> list[str]:
    """The credential values a URL carries: its password (or lone user part) and secret query values."""
    if not url or "://" not in url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.password] if parts.password else ([parts.username] if parts.username else [])
        found += [value for name, value in parse_qsl(parts.query) if name.lower() in SECRET_PARAMS]
    except ValueError:
        return []
    return [s for value in found if value for s in {value, unquote(value)}]


def remember(*values: str | None) -> None:
    """Mask these values wherever they appear from now on."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= _MIN_SECRET)


def forget() -> None:
    """Forget the remembered values (a new session in the same process, tests)."""
    with _lock:
        _known.clear()


def redact_identity(identity: Any) -> Any:
    """A ModelIdentity (or any dataclass with `spec` and `details`) with both masked."""
    from dataclasses import replace

    return replace(identity, spec=redact(identity.spec), details=redact_data(identity.details))


def redact_reply(reply: Any) -> None:
    """Mask, in place, the texts a failed request put in a Reply (they may quote the URL)."""
    reply.error = redact_optional(reply.error)
    if getattr(reply, "attempt_log", None):
        reply.attempt_log = redact_data(reply.attempt_log)
