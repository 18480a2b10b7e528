"""Benchmark: snapshot load, cold start to the overview, server memory, compare updates.

    python bench/bench_app.py [--repeats 3]

Prints figures (medians over repeats); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import (
    REPO,
    browser_timing,
    median,
    rss_mb,
    streamlit_server,
    table,
)

LOAD_SNIPPET = """
import time, json
t = time.perf_counter()
from loaders import snapshot
names = list(snapshot.manifest()["tables"])
for n in names:
    if n.startswith("boundaries") or n.startswith("geo_boundaries"):
        continue
    snapshot.table(n)
t1 = time.perf_counter()
from explorer.places import registry
registry()
t2 = time.perf_counter()
print(json.dumps({"tables": t1 - t, "registry": t2 - t1}))
"""

COMPARE_SNIPPET = """
import time, json
from explorer.places import registry
from explorer.profile import profile
from explorer.compare import place_indicator_rows, decile_rows, domain_rows
reg = registry()
def update(ids):
    ps = [reg.get(i) for i in ids]
    profs = [profile(p, 2019) for p in ps]
    decile_rows(profs); domain_rows(profs, ps)
    for p in ps: place_indicator_rows(p)
update(["workington-parish-wards", "eden", "blackpool"])  # warm the loader caches
times = []
for extra in ["kendal", "burnley", "pennine-lancashire", "carlisle-town", "morecambe"]:
    t = time.perf_counter(); update(["workington-parish-wards", "eden", "blackpool", extra])
    times.append(time.perf_counter() - t)
print(json.dumps({"update": times}))
"""


def snippet(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    loads = [snippet(LOAD_SNIPPET) for _ in range(args.repeats)]
    updates = snippet(COMPARE_SNIPPET)["update"]
    warming, cold, warm, rss_idle, rss_peak = [], [], [], [], []
    for _ in range(args.repeats):
        # a visitor who arrives the moment the process listens, while it is still warming
        with streamlit_server() as (base, proc):
            r = browser_timing(f"{base}/", "--no-map")
            warming.append(r.get("script_idle_s"))
        # the deployment case: the health check (ready file) lets visitors in once warm
        with streamlit_server(ready=True) as (base, proc):
            time.sleep(1)
            rss_idle.append(rss_mb(proc.pid))
            r = browser_timing(f"{base}/", "--no-map", "--server-pid", str(proc.pid))
            cold.append(r.get("script_idle_s"))
            w = browser_timing(f"{base}/", "--no-map", "--warm")
            warm.append(w.get("script_idle_s"))
            rss_peak.append(rss_mb(proc.pid))

    def fmt(v, unit="s", digits=2):
        return "n/a" if v is None else f"{v:.{digits}f} {unit}"

    rows = [
        ("snapshot tables load (fresh process)", fmt(median([x["tables"] for x in loads])),
         "<= 0.5 s"),
        ("place registry build", fmt(median([x["registry"] for x in loads])), ""),
        ("overview, fresh server (ready), cold browser", fmt(median(cold)), "<= 2.5 s"),
        ("overview, fresh server (ready), warm browser", fmt(median(warm)), ""),
        ("overview, server still warming, cold browser", fmt(median(warming)), ""),
        ("server RSS idle after warming", fmt(median(rss_idle), "MB", 0), ""),
        ("server RSS after overview visits", fmt(median(rss_peak), "MB", 0), ""),
        ("compare: add a 4th place (server time)", fmt(median(updates) * 1000, "ms", 0),
         "<= 300 ms"),
    ]
    print(table(rows))
    print(f"\n(median of {args.repeats} runs; compare: median of {len(updates)} updates)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
