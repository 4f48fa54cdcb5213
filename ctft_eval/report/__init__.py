"""Reports: each renders from run records and comparisons (ctft_eval.record, ctft_eval.compare).

  terminal   the run's summary tables, gate table and verdict; comparisons as plain tables
  markdown   comparisons for a pull-request comment
  html       one self-contained page of compared runs (inline SVG, nothing fetched)

The cells and rows they share are in ctft_eval.report.cells.
"""
