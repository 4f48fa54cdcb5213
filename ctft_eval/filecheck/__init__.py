"""A file a model wrote, judged by what it contains: it parses in its language
(ctft_eval.filecheck.grammars) and passes its case's checks (ctft_eval.filecheck.checks)."""
