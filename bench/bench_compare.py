"""Compare page update, server side: rows, figures and charts for four places.

Prints timings (median of several warm runs); asserts nothing. Stages:
  rows     profiles (IoD2019, 2025) and the place-value engine's indicator rows;
  figures  the decile (x2), domain and indicator Figure objects (Altair charts built);
  charts   each chart turned into its Vega-Lite dict the way the page does it: once by
           st.altair_chart and once for the PNG/SVG download spec;
  page     the whole Compare page rerun through streamlit.testing.v1.AppTest (after a
           warm-up run; includes Streamlit's own element serialisation).

Run: ``python bench/bench_compare.py`` from the repository root.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PLACES = ("workington-parish-wards", "eden", "blackpool", "manchester")
RUNS = 7


def _median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm caches
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    from explorer import figure
    from explorer.compare import place_indicator_rows
    from explorer.places import registry
    from explorer.profile import profile
    from ui.figure import _VALIDATED, prepare, remember

    places = [registry().resolve(p) for p in PLACES]

    def rows() -> tuple:
        profs = {v: [profile(p, v) for p in places] for v in (2019, 2025)}
        ind = [r for p in places for r in place_indicator_rows(p, 0.95, "own")]
        return profs, ind

    profs, ind = rows()

    def figures() -> list:
        return [figure.decile_figure(profs[2019], 2019), figure.decile_figure(profs[2025], 2025),
                figure.domain_figure(profs[2019], places), figure.indicator_figure(ind, "95%")]

    figs = figures()
    charts = [f.chart for f in figs if f.chart is not None]

    def before() -> None:  # st.altair_chart's to_dict() and the download's to_json()
        for c in charts:
            c.to_dict()
            c.to_json()

    def after(first_view: bool) -> None:  # ui.figure.show now: validated once per spec
        if first_view:
            _VALIDATED.clear()
        for f in figures():  # fresh chart objects, as on a rerun
            if f.chart is None:
                continue
            key = prepare(f)
            f.chart.to_dict()
            remember(key)
            f.chart.to_json(validate=False)

    t_rows, t_figs, t_before = _median_ms(rows), _median_ms(figures), _median_ms(before)
    t_first = _median_ms(lambda: after(True)) - t_figs
    t_repeat = _median_ms(lambda: after(False)) - t_figs
    print(f"Compare, {len(places)} places, {len(ind)} indicator rows, {len(charts)} charts")
    print(f"  rows (profiles + engine)          {t_rows:7.1f} ms")
    print(f"  figures (charts built)            {t_figs:7.1f} ms")
    print(f"  chart specs, before (validated x2) {t_before:6.1f} ms")
    print(f"  chart specs, after, new places    {t_first:7.1f} ms   (validated once)")
    print(f"  chart specs, after, rerun         {t_repeat:7.1f} ms   (already validated)")
    print(f"  total before                      {t_rows + t_figs + t_before:7.1f} ms")
    print(f"  total after, new places / rerun   {t_rows + t_figs + t_first:7.1f} / "
          f"{t_rows + t_figs + t_repeat:.1f} ms")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/compare.py")
    for k, v in {"p": ",".join(PLACES)}.items():
        at.query_params[k] = v
    at.run()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t) * 1000)
    errors = [e.value for e in at.exception]
    print(f"  page rerun (AppTest, whole page) {statistics.median(times):7.1f} ms"
          + (f"   EXCEPTIONS: {errors}" if errors else ""))


if __name__ == "__main__":
    main()
