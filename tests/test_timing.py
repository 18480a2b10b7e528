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


def test_no_full_collection_after_every_run_but_one_per_busy_period() -> None:
    """Streamlit's default gc.collect(2) after every script run was a third of a room's
    script-thread CPU (issue 13): the app's config turns it off, and the housekeeping
    thread's collect() frees cyclic garbage instead."""
    import gc
    import tomllib
    import weakref

    from loaders.paths import REPO_ROOT

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    gc.disable()
    try:
        probe = Cycle()
        ref = weakref.ref(probe)
        del probe
        assert ref() is not None  # only a collection frees a cycle
        memory.collect()
        assert ref() is None
    finally:
        gc.enable()
