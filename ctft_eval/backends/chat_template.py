"""A GGUF's chat template (tokenizer.chat_template), rendered in Jinja's sandbox under the request's budget.

The template comes with the model file, so it is input, and it may loop for ever. Jinja's sandbox
blocks escapes to Python's internals, not unbounded work, and a render cannot be interrupted from
another thread. So the rendering thread watches itself: while it renders, a line tracer
(`sys.settrace`, this thread only) checks the budget (the request's deadline, the run's
cancellation) and stops the template's own loops by raising into them. What runs in C is out of a
tracer's reach; of that, the template's `*` and `**` (`{{ 'x' * 10**12 }}`, `{{ 10**10**10 }}`,
which Jinja would also fold at compile time) refuse results larger than a chat prompt could use.
"""

from __future__ import annotations

import json
import sys
import time
from types import FrameType
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ctft_eval.backends.guard import Budget, Stop

MAX_RESULT = 1 << 24
"""The most items (of a repeated string or list) or bits (of an integer) one `*` or `**` may make."""
_CHECK_EVERY = 100
"""Traced events between two looks at the budget (each look reads the clock)."""


class _Overtime(BaseException):
    """The render ran past its budget. A BaseException, so that no `except Exception` inside the
    template engine takes it for the template's own error."""

    def __init__(self, stop: Stop):
        super().__init__(stop.reason)
        self.stop = stop


class ChatTemplates(ImmutableSandboxedEnvironment):
    """The sandbox that chat templates render in, with the globals Hugging Face's templates use."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self) -> None:
        super().__init__(trim_blocks=True, lstrip_blocks=True)
        self.filters["tojson"] = _tojson
        self.globals["raise_exception"] = _raise
        self.globals["strftime_now"] = lambda fmt: time.strftime(fmt)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        size = _result_size(operator, left, right)
        if size > MAX_RESULT:
            raise SecurityError(f"the template's {operator} would make a value of about {size:,} items or bits "
                                f"(at most {MAX_RESULT:,})")
        return super().call_binop(context, operator, left, right)

    def render_within(self, template: Any, budget: Budget, **context: Any) -> str:
        """`template` (one of this environment's) rendered with `context`; raises the budget's Stop
        (timeout, cancelled) once it says stop."""
        events = 0

        def tracer(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal events
            events += 1
            if events % _CHECK_EVERY == 0:
                try:
                    budget.check()
                except Stop as stop:
                    raise _Overtime(stop) from None
            return tracer

        previous = sys.gettrace()  # (a coverage tool's or a debugger's: back when the render ends)
        sys.settrace(tracer)
        try:
            return template.render(**context)
        except _Overtime as over:
            raise over.stop from None
        finally:
            sys.settrace(previous)


def _result_size(operator: str, left: Any, right: Any) -> int:
    """About how large `left operator right` would be: items of a sequence, bits of an integer."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**":
        return right * left.bit_length() if ints and right > 0 and abs(left) > 1 else 0
    if ints:
        return left.bit_length() + right.bit_length()
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            return len(sequence) * times
    return 0


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, **_: Any) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)


def _raise(message: str) -> None:
    raise ValueError(message)
