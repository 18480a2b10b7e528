"""Where raw inputs and the derived snapshot live."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
PLACES_FILE = DATA_DIR / "places.yaml"


def snapshot_dir() -> Path:
    """The snapshot folder; ``HEE_SNAPSHOT_DIR`` lets tests point at a broken copy."""
    return Path(os.environ.get("HEE_SNAPSHOT_DIR", DATA_DIR / "snapshot"))


def raw_dir() -> Path:
    """The raw public datasets, outside the repo (never copied into it)."""
    return Path(os.environ.get("HEE_RAW_DIR", REPO_ROOT.parent / "shared" / "data" / "raw"))
