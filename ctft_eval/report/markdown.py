"""Markdown: compared runs for a pull-request comment (GitHub tables, flips in a code block).

Record values are code spans and escaped prose (ctft_eval.report.cells), and the comment fits
GitHub's limit of 65,536 characters whatever the records hold: when the full text is longer, fewer
flipped cases are listed (each list says how many it leaves out), and as a last resort the text is
cut at a line with a closing marker.
"""

from __future__ import annotations

from ctft_eval.compare import Comparison, RegressionSettings, RunView
from ctft_eval.report.cells import comparison_lines

COMMENT_LIMIT = 65_536
"""GitHub's limit on a comment's body, in characters."""
_FLIP_LIMITS = (25, 10, 3, 0)
_CUT = "\n\n…the comparison was cut here to fit a pull-request comment; `--html` writes all of it."


def comparison(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings,
               limit: int = COMMENT_LIMIT) -> str:
    for flips in _FLIP_LIMITS:
        text = "\n".join(comparison_lines(views, comparisons, rules, "github", markdown=True, flip_limit=flips))
        if len(text) <= limit:
            return text
    kept, size = [], len(_CUT) + len("\n```")
    for line in text.split("\n"):
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    if sum(1 for line in kept if line.startswith("```")) % 2:  # never leave a code block open
        kept.append("```")
    return "\n".join(kept) + _CUT
