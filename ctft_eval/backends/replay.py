"""`replay:RECORD.json[@BACKEND]` — re-score a recorded run's replies with today's parser and
scorers, no model needed. BACKEND picks one of the record's backends (default: its first).

Calls the model made natively are kept as recorded; calls written in text are parsed again, so a
parser fix shows up in old runs. Cases the record lacks are reported as missing, never as passed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ctft_eval import record as run_record
from ctft_eval.backends import BackendSpec, BackendUnavailable
from ctft_eval.parsing import calls_in_text
from ctft_eval.reply import NATIVE, Reply
from ctft_eval.settings import Settings


class ReplayBackend:
    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any]):
        self.spec = spec
        self.path = Path(spec.model)
        self.replies: dict[tuple[str, str], list[dict]] = {}
        self.latency: dict[tuple[str, str], list[dict]] = {}

    def close(self) -> None:
        pass

    def preflight(self, channels: tuple[str, ...]) -> dict[str, Any]:
        try:
            data = run_record.read(self.path)
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"cannot replay {self.path}: {exc}") from None
        recorded = list(data.get("backends", {}))
        if not recorded:
            raise BackendUnavailable(f"{self.path} records no backend to replay")
        label = self.spec.url or recorded[0]
        if label not in recorded:
            raise BackendUnavailable(f"{self.path} has no backend {label!r}; it has: {', '.join(recorded)}")
        for entry in data.get("results", []):
            if entry["backend"] == label:
                self.replies[(entry["case"], entry["channel"])] = entry.get("replies") or []
                self.latency[(entry["case"], entry["channel"])] = entry.get("latency_replies") or []
        return {**data["backends"][label], "replayed_from": str(self.path), "recorded_backend": label,
                "recorded_settings": data.get("settings", {})}

    def recorded(self, case_id: str, channel: str, latency: bool = False) -> list[Reply]:
        raw = (self.latency if latency else self.replies).get((case_id, channel))
        if not raw:
            return [Reply(error=f"case {case_id!r} on the {channel} channel is not in {self.path}",
                          error_kind="missing", channel=channel)]
        replies = []
        for item in raw:
            reply = Reply.from_dict(item)
            native = [c for c in reply.tool_calls if c.source == NATIVE]
            if not reply.error:
                reply.tool_calls = native or calls_in_text(reply.text)
            replies.append(reply)
        return replies

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings) -> Reply:
        return Reply(error="a replayed run answers whole recorded cases only", error_kind="missing")
