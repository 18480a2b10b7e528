"""Shared fixtures: the real snapshot and place registry (no mocks)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.chdir(REPO)
#: Every chart the tests draw or export is checked against the Vega-Lite schema (a server
#: skips the check for speed: explorer.exports.VALIDATE_ENV); servers the tests start inherit it.
os.environ["HEE_VALIDATE_CHARTS"] = "1"


#: Tests that start their own app processes and need the machine to themselves: run first,
#: before the browser tests' session server and Chromium exist (on a 2-core CI machine the
#: cluster test timed out twice when it ran among them).
RUN_FIRST = ("tests/test_cluster.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = [i for i in items if i.nodeid.startswith(RUN_FIRST)]
    if first:
        items[:] = first + [i for i in items if not i.nodeid.startswith(RUN_FIRST)]


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
