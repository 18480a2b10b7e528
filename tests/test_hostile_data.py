"""Damaged data files: every page shows a message naming the file and `make data`.

Each damage runs in a fresh process (as a freshly started server would), because the
snapshot and the place registry are cached once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = ["pages/overview.py", "pages/map.py", "pages/compare.py", "pages/core20plus5.py",
         "pages/inequalities.py", "pages/facilitator.py", "pages/sources.py"]

CHILD = r"""
import json, sys
from streamlit.testing.v1 import AppTest
out = {}
for page in sys.argv[1:]:
    at = AppTest.from_file("app.py", default_timeout=120)
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page)
        at.run()
    out[page] = {"exception": [str(e.value)[:300] for e in at.exception],
                 "errors": [str(e.value) for e in at.error]}
print("RESULT" + json.dumps(out))
"""


def _damage(tmp: Path, name: str, how: str) -> None:
    src = REPO / "data" / "snapshot"
    for f in src.iterdir():
        if f.name != name:
            (tmp / f.name).symlink_to(f)
    original = (src / name).read_bytes()
    if how == "garbage":
        (tmp / name).write_bytes(os.urandom(4096))
    elif how == "truncated":
        (tmp / name).write_bytes(original[: len(original) // 2])
    elif how == "no-tables":
        (tmp / name).write_text(json.dumps({"format": 1}))
    elif how == "missing-fields":
        data = json.loads(original)
        for rec in data["tables"].values():
            rec.pop("publisher", None)
        (tmp / name).write_text(json.dumps(data))
    # "missing": not linked at all


CASES = [("districts.parquet", "garbage"), ("geo_lsoa11.parquet", "truncated"),
         ("geo_lsoa21.parquet", "missing"), ("lsoa11_lsoa21.parquet", "garbage"),
         ("msoa11_bua11.parquet", "garbage"), ("manifest.json", "garbage"),
         ("manifest.json", "no-tables"), ("manifest.json", "missing-fields")]


@pytest.mark.parametrize(("name", "how"), CASES)
def test_damaged_file_named_on_every_page(tmp_path: Path, name: str, how: str) -> None:
    _damage(tmp_path, name, how)
    env = {**os.environ, "HEE_SNAPSHOT_DIR": str(tmp_path),
           "HEE_STATIC_DIR": str(tmp_path / "static")}
    proc = subprocess.run([sys.executable, "-c", CHILD, *PAGES], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")]
    assert line, proc.stderr[-3000:]
    result = json.loads(line[-1][len("RESULT"):])
    named = 0
    for page, seen in result.items():
        assert not seen["exception"], (page, seen["exception"])
        assert not [e for e in seen["errors"] if "unexpected error" in e], (page, seen)
        # at most one message per damaged file per page, not a cascade
        assert len([e for e in seen["errors"] if name in e]) <= 2, (page, seen["errors"])
        named += any(name in e and "make data" in e for e in seen["errors"])
    assert named >= 1, result
