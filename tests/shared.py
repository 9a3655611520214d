"""Where the data no one here wrote lives: `../shared` beside the checkout, in CI too."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
COREBANKING = SHARED / "fixtures" / "corebanking"
DATA = SHARED / "data"
