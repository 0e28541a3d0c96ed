"""Run the coding CLI: ``python -m evaluation.coding code --input ... --text-column ... --out ...``."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
