#!/usr/bin/env python3
"""Run ucop from a checkout without installing it: `python ucop_cli.py generate ...`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ucop.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
