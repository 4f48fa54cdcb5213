"""`python -m ctft_eval.dataset validate|split|leakage FILE`: see ctft_eval/dataset/cli.py."""

import sys

from ctft_eval.dataset.cli import main

sys.exit(main())
