"""`python -m training STEP --config training/NAME.yaml`: see training/cli.py."""

from training.cli import main

raise SystemExit(main())
