"""Benchmark: server time of "The North West at a glance" (every NW district × indicator).

    python bench/bench_glance.py [--repeats 3]

Prints figures; asserts nothing. Server time is the page script's run time in
streamlit.testing.v1.AppTest (no browser): the first run in a fresh process (snapshot and
every district's series computed), then later runs (shared caches warm), for both
district sets and with the "worse and worsening" filter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from explorer import glance
    from tests.apptest import open_page

    t = time.perf_counter()
    at = open_page("pages/glance.py")
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    print(f"first page run in a fresh process (loads the snapshot, computes "
          f"{len(glance.cells(2019))} cells): {first:.2f} s")

    for query in ({}, {"flt": "worsening"}, {"v": "2025"}, {"sort": "blackpool"}):
        times = []
        for _ in range(args.repeats):
            at.query_params.clear()
            for k, v in query.items():
                at.query_params[k] = v
            # a fresh session each time: the page's per-session state does not help
            t = time.perf_counter()
            at = open_page("pages/glance.py", **query)
            times.append(time.perf_counter() - t)
            assert not at.exception, at.exception
        label = ", ".join(f"{k}={v}" for k, v in query.items()) or "default (39 districts)"
        print(f"new session, caches warm, {label}: median {statistics.median(times):.2f} s "
              f"(includes app.py navigation run)")

    glance.cells.cache_clear()
    t = time.perf_counter()
    glance.cells(2019)
    print(f"recomputing all cells with the indicator store warm: "
          f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
