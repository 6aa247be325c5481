"""The real API descriptions the tests read: ``shared/specs`` beside the checkout.

``WORKBENCH_SPECS`` names another folder. A missing folder fails the run at collection:
the tests that need the specs must never be skipped quietly.
"""

from __future__ import annotations

import os
from pathlib import Path

SPECS = Path(
    os.environ.get("WORKBENCH_SPECS", Path(__file__).resolve().parents[2] / "shared" / "specs")
)
FILES = sorted(p for p in SPECS.glob("*") if p.suffix in (".json", ".yaml", ".yml"))
if not FILES:
    raise FileNotFoundError(f"no API specs in {SPECS}; set WORKBENCH_SPECS to their folder")
