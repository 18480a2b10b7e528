"""Where the golden reference data live (OHID PHEindicatormethods test files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def golden_dir() -> Path:
    """Golden folder: $HEE_GOLDEN_DIR or <repo>/../shared/data/golden; skip only off CI."""
    env = os.environ.get("HEE_GOLDEN_DIR")
    base = Path(env) if env else ROOT.parent / "shared" / "data" / "golden"
    folder = base / "phe-indicator-methods"
    if not folder.is_dir():
        message = f"golden data folder not found: {folder} (set HEE_GOLDEN_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder
