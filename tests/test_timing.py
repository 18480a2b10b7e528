"""The server-side run timing log (ui/timing.py) and the memory helpers (ui/memory.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ui import memory, timing


def test_timing_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(timing.ENV, raising=False)
    assert timing.begin() is None
    timing.end(None, "overview")  # a no-op, never an error


def test_timing_writes_one_line_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        ) -> None:
    log = tmp_path / "runs-{pid}.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    with timing.recorded(timing.begin(), "map"):
        sum(range(10_000))
    with pytest.raises(KeyError), timing.recorded(timing.begin(), "compare"):
        raise KeyError("x")  # e.g. st.rerun's exception: recorded, then passed on
    path = str(log).replace("{pid}", str(os.getpid()))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"truncated": \n')  # a process killed mid-line
    runs = timing.read(path)
    assert [(r["page"], r["status"]) for r in runs] == [("map", "ok"), ("compare", "KeyError")]
    assert all(r["s"] >= r["cpu"] * 0.5 >= 0 and r["pid"] == os.getpid() for r in runs)


def test_trim_is_safe_to_call() -> None:
    memory.trim()  # glibc: returns freed pages; elsewhere: nothing
    assert memory.enabled() in (True, False)
