"""Shared fixtures: the real snapshot and place registry (no mocks)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.chdir(REPO)


@pytest.fixture(scope="session")
def places():
    from explorer.places import registry

    return registry()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    from loaders.paths import raw_dir as _raw

    path = _raw()
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"raw data folder {path} missing in CI")
        pytest.skip(f"raw data folder {path} not present")
    return path
