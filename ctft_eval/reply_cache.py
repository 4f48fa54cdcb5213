"""The reply cache's store: one stdlib sqlite3 file, `replies.sqlite3`, under the user cache folder.

    $CTFT_EVAL_CACHE_DIR, else $XDG_CACHE_HOME/ctft-eval, else ~/.cache/ctft-eval

A row maps a key (the sha256 of everything that decides a reply: ctft_eval.cache_key) to the
replies one request or chain got, serialised as the run record serialises them (record.reply_json).
Each write is its own sqlite transaction, in WAL mode with a busy timeout, so two runs may share the
file and a run stopped by Ctrl-C keeps every reply stored before it.

Nothing here raises on a bad file: a database that is not one (or not ours) is set aside as
`replies.sqlite3.broken-<time>` and a fresh one made; an entry that does not decode, was written by
another reply format, or belongs to another key is a miss. Each kind of trouble is noted once
(`notes`), for the run's summary. Delete the folder (or the file) to clear the cache.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from ctft_eval.atomic import dumps
from ctft_eval.models import cache_dir
from ctft_eval.record import reply_json
from ctft_eval.reply import Reply

REPLY_FORMAT = 2
"""The version of a cached entry's shape (and of what decides a reply): bump it when either changes,
and every older entry becomes a miss."""
FILE_NAME = "replies.sqlite3"
ENV_FOLDER = "CTFT_EVAL_CACHE_DIR"
BUSY_TIMEOUT_S = 30.0
_SCHEMA = ("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, format INTEGER NOT NULL, "
           "value TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', stored REAL NOT NULL DEFAULT 0)")


def cache_folder() -> Path:
    """Where the reply cache lives: $CTFT_EVAL_CACHE_DIR, else the user cache folder's ctft-eval."""
    override = os.environ.get(ENV_FOLDER)
    return Path(override).expanduser() if override else cache_dir()


class ReplyCache:
    """The store: `get` and `put` by key, safe to call from the fetch's worker threads."""

    def __init__(self, path: Path):
        self.path = path
        self.notes: list[str] = []
        """What went wrong with the cache, each kind once (for the summary)."""
        self._noted: set[str] = set()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(cls, folder: Path | None = None) -> ReplyCache:
        """The cache in `folder` (default cache_folder()); never raises: an unusable one is noted
        and every lookup is then a miss."""
        cache = cls((folder or cache_folder()) / FILE_NAME)
        try:
            cache._db = cache._connect()
        except (sqlite3.DatabaseError, ValueError):
            cache._set_aside()
            try:
                cache._db = cache._connect()
            except (sqlite3.Error, OSError) as exc:
                cache._note("unusable", f"the reply cache {cache.path} cannot be used ({exc}); replies are asked anew")
        except (sqlite3.Error, OSError) as exc:
            cache._note("unusable", f"the reply cache {cache.path} cannot be used ({exc}); replies are asked anew")
        return cache

    @property
    def usable(self) -> bool:
        return self._db is not None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            db.execute("SELECT key, format, value, label, stored FROM replies LIMIT 0")  # ours, not a namesake
            found = db.execute("PRAGMA quick_check(1)").fetchone()
            if not found or found[0] != "ok":
                raise ValueError(f"integrity check: {found[0] if found else 'no answer'}")
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self) -> None:
        """Move a broken database (and its WAL files) out of the way, keeping it for a look."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            except OSError:
                pass  # (absent, or another run moved it first)
        self._note("broken", f"the reply cache {self.path} was not a readable reply cache: set aside as "
                             f"{aside.name}, a fresh one made")

    def _note(self, kind: str, text: str) -> None:
        with self._lock:
            if kind not in self._noted:
                self._noted.add(kind)
                self.notes.append(text)

    def get(self, key: str) -> list[Reply] | None:
        """The replies stored under `key`; None for a miss (absent, foreign, garbled, or unreadable)."""
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute("SELECT format, value FROM replies WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._note("read", f"the reply cache {self.path} could not be read ({exc}); those replies were asked anew")
            return None
        if row is None:
            return None
        if row[0] != REPLY_FORMAT:
            return None  # another version's entry: asked anew, then overwritten
        try:
            return decode(row[1], key)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            self._note("garbled", f"a reply cache entry in {self.path} could not be read ({type(exc).__name__}: "
                                  f"{str(exc)[:200]}); such entries were asked anew")
            return None

    def put(self, key: str, replies: list[Reply], label: str = "") -> bool:
        """Store (or overwrite) the replies of `key` in one transaction; False when it could not."""
        if self._db is None:
            return False
        value = dumps({"key": key, "replies": [reply_json(r) for r in replies]}, default=str)
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO replies (key, format, value, label, stored) "
                                 "VALUES (?, ?, ?, ?, ?)", (key, REPLY_FORMAT, value, label, time.time()))
        except sqlite3.Error as exc:
            self._note("write", f"the reply cache {self.path} could not be written ({exc}); replies are not kept")
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def decode(value: str, key: str) -> list[Reply]:
    """The replies of a stored value; raises ValueError (or a decoding error) when it is not one
    of `key`'s entries."""
    from ctft_eval.record_check import check_replies

    data = json.loads(value)
    if not isinstance(data, dict) or data.get("key") != key:
        raise ValueError("the entry belongs to another key")
    check_replies(data.get("replies"))
    replies = [Reply.from_dict(r) for r in data["replies"]]
    if not replies:
        raise ValueError("the entry holds no reply")
    return replies
