"""Markdown: compared runs for a pull-request comment (GitHub tables, flips in a code block)."""

from __future__ import annotations

from ctft_eval.compare import Comparison, RegressionSettings, RunView
from ctft_eval.report.cells import comparison_lines


def comparison(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings) -> str:
    return "\n".join(comparison_lines(views, comparisons, rules, "github", markdown=True))
