"""Collection: suite files become one test per (backend, channel, case, dimension)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from ctft_eval import dimensions, shown
from ctft_eval.cases import Case, SuiteError, load_suite
from ctft_eval.record import Key
from ctft_eval.scorers.outcome import Outcome
from ctft_eval.session import EvalSession
from ctft_eval.suite_fields import PYTEST_MARKERS

SESSION = pytest.StashKey[EvalSession]()
DEFAULT_SUITE_FILES = ["suites/*.yaml", "suites/*.yml", "*/suites/*.yaml", "*/suites/*.yml"]
_TAG_MARKER = "suite tag"
PROPERTY_LIMIT = 2000
"""Characters of a reason kept in a JUnit property and a failure's report (the record keeps it whole)."""


def session_of(config: pytest.Config) -> EvalSession | None:
    return config.stash.get(SESSION, None)


def suite_file(file_path: Path, parent: pytest.Collector) -> SuiteFile | None:
    """A SuiteFile when the path matches one of the `ctft_suite_files` patterns."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    try:
        relative = file_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        relative = file_path.as_posix()
    if not any(fnmatch.fnmatch(relative, pat) for pat in config.getini("ctft_suite_files")):
        return None
    return SuiteFile.from_parent(parent, path=file_path)


def reserved_tags(config: pytest.Config) -> frozenset[str]:
    """The marker names a suite tag may not be: every marker the running pytest has registered (its
    own, its plugins', a conftest's, the ini file's) but the ones ctft-eval registers, for suite tags
    and dimensions (plain labels), and pytest's builtin ones in any case."""
    names = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")
             if line.partition(":")[2].strip() != _TAG_MARKER}
    names -= set(dimensions.names())
    return frozenset(names) | PYTEST_MARKERS


class SuiteFile(pytest.File):
    def collect(self):
        session = session_of(self.config)
        assert session is not None
        suite = load_suite(self.path, reserved_tags=reserved_tags(self.config))
        for case in session.add_suite(suite):
            for tag in case.tags:
                self.config.addinivalue_line("markers", f"{tag}: {_TAG_MARKER}")
            for spec in session.specs:
                for channel in session.channels_for(spec):
                    for dim in case.dimensions:
                        item = CaseItem.from_parent(
                            self, name=f"{case.id}[{spec.label}|{channel}|{dim}]",
                            case=case, backend=spec.label, channel=channel, dimension=dim,
                        )
                        item.add_marker(dim)
                        for tag in case.tags:
                            item.add_marker(tag)
                        yield item

    def repr_failure(self, excinfo):  # pytest 9's Collector.repr_failure takes no `style`
        if isinstance(excinfo.value, SuiteError):
            return shown.block(f"bad suite file: {excinfo.value}")
        return super().repr_failure(excinfo)


class CaseFailed(Exception):
    """A case's scored failure. Its message (pytest's summary line, JUnit's failure message) is the
    reason as one escaped, shortened line: a reason quotes what the model wrote."""

    def __init__(self, outcome: Outcome):
        super().__init__(shown.line(outcome.reason, shown.LIMIT))
        self.outcome = outcome


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, backend: str, channel: str, dimension: str, **kwargs):
        super().__init__(**kwargs)
        self.case, self.backend, self.channel, self.dimension = case, backend, channel, dimension

    @property
    def left_out(self) -> bool:
        session = session_of(self.config)
        return session is not None and self.case.id in session.left_out

    @property
    def key(self) -> Key:
        return (self.backend, self.channel, self.case.id)

    def runtest(self) -> None:
        session = session_of(self.config)
        assert session is not None
        if self.case.id in session.left_out:
            pytest.skip(f"left out: {shown.line(session.left_out[self.case.id])}")
        outcome = session.score(self.key, self.dimension)
        self.user_properties.append(("ctft_reason", shown.line(outcome.reason, PROPERTY_LIMIT)))
        if outcome.failure:
            self.user_properties.append(("ctft_failure", shown.line(outcome.failure)))
        if outcome.passed is None:
            why = "a problem of the suite, not scored" if outcome.suite_problem else "not applicable"
            pytest.skip(f"{why}: {shown.line(outcome.reason, shown.LIMIT)}")
        if not outcome.passed:
            raise CaseFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            o = excinfo.value.outcome
            where = f"case {self.case.id} ({self.case.file}): {self.case.prompt[:200]!r}"
            return shown.block(f"{o.dimension} [{shown.line(o.failure)}]: {shown.line(o.reason, PROPERTY_LIMIT)}"
                               f"\n  {shown.line(where)}")
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        # pytest reports a skip marker's skip at the item's line, which must be a number (0-based)
        line = max(self.case.line - 1, 0)
        return self.path, line, f"{self.case.id} [{self.backend}|{self.channel}|{self.dimension}]"
