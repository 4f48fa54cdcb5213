"""Scorers: pure functions of (case, replies) -> Outcome, one module per dimension.

Each module defines `DIMENSION` (a ctft_eval.dimensions.Dimension) holding its scorer; the
registry in ctft_eval.dimensions lists them (`dimensions.get(name).score`). `replies` are the
replies of one case on one channel: one reply for a single-step case, one per step reached for a
chain; for a timed dimension (latency), the replies of its own sequential request.
"""
