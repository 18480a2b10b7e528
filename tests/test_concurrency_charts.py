"""Chart conversion under concurrency: no session's export may carry another's data.

Streamlit switches Altair's global data transformer while it draws a chart for any session
(``_convert_altair_to_vega_lite_spec``). Exports convert charts in other threads at the same
time; before the fix, 45 of 6,780 conversions carried the other chart's dataset and every
``to_json()`` spec lost its own data. Here many threads draw (as Streamlit) and export
different charts at once; every exported spec must hold exactly its own rows.
"""

from __future__ import annotations

import json
import threading

import altair as alt
import pandas as pd
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from explorer import exports

THREADS = 24
ROUNDS = 30


def _chart(i: int) -> alt.Chart:
    df = pd.DataFrame({"who": [f"session-{i}"] * 3, "x": [i, i + 1, i + 2]})
    return alt.Chart(df).mark_point().encode(x="x:Q", y="who:N")


def _rows(spec: dict) -> list[dict]:
    rows: list[dict] = []
    for data in (spec.get("datasets") or {}).values():
        rows.extend(data)
    if isinstance(spec.get("data"), dict):
        rows.extend(spec["data"].get("values", []))
    return rows


def _register_streamlit_transformer() -> None:
    """Streamlit registers its data transformer outside its lock, on its first chart: an
    export restoring Altair's registry at that moment drops the registration (Streamlit's
    race, on the first conversion of a process; the app never calls st.altair_chart). Draw
    once first, as a running server has."""
    _convert_altair_to_vega_lite_spec(_chart(-1))


def test_exports_never_mix_or_lose_data_under_concurrent_drawing() -> None:
    _register_streamlit_transformer()
    problems: list[str] = []
    start = threading.Barrier(THREADS)

    def work(i: int) -> None:
        chart = _chart(i)
        start.wait()
        for r in range(ROUNDS):
            try:
                if i % 2:  # a session drawing its chart, as st.altair_chart does
                    _convert_altair_to_vega_lite_spec(chart)
                    continue
                spec = json.loads(exports.chart_json(chart)) if r % 2 else \
                    exports.chart_dict(chart)
                who = {row.get("who") for row in _rows(spec)}
                if who != {f"session-{i}"} or len(_rows(spec)) != 3:
                    problems.append(f"chart {i}: {sorted(map(str, who))}")
            except Exception as exc:  # any error is a failure, e.g. a changed dict
                problems.append(f"chart {i}: {type(exc).__name__}: {exc}")

    _in_threads(work, problems)


def test_csv_export_defuses_formulas() -> None:
    df = pd.DataFrame({"=cmd": ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)",
                                "\tx", "\rx", "plain", "-3.5"], "n": [1, -2, 3, 4, 5, 6, 7, 8]})
    text = exports.csv_with_provenance(df, "=title", ["src"])
    body = text.split("\n")[3:]
    assert body[0].startswith("'=cmd,")
    cells = [line.split(",")[0] for line in body[1:] if line]
    assert cells[0].startswith("\"'=HYPERLINK")
    assert cells[1] == "'+1+1" and cells[3] == "'@SUM(A1)"
    assert cells[2] == "-2" and cells[-1] == "-3.5"  # numbers stay numbers
    assert text.splitlines()[0] == "# =title"  # provenance lines start with '#'
    assert ",-2" in text  # numeric column untouched


def test_shared_charts_keep_their_own_data_under_concurrency() -> None:
    """Shared charts (explorer.charts.cached) are converted once by whichever session asks
    first, while other sessions draw: every session still reads exactly its own rows."""
    from explorer.charts import cached
    from ui.charts import _screen_json

    @cached(maxsize=THREADS)
    def build(i: int) -> alt.Chart:
        return _chart(i)

    _register_streamlit_transformer()
    problems: list[str] = []
    start = threading.Barrier(THREADS)

    def work(i: int) -> None:
        start.wait()
        for r in range(ROUNDS):
            try:
                chart = build(i % (THREADS // 2))
                if r % 3 == 0:
                    _convert_altair_to_vega_lite_spec(_chart(i))  # another session drawing
                spec = (exports.chart_dict(chart), json.loads(exports.chart_json(chart)),
                        json.loads(_screen_json(chart, False, None))[0])[r % 3]
                rows = _rows(spec)
                if {row.get("who") for row in rows} != {f"session-{i % (THREADS // 2)}"} \
                        or len(rows) != 3:
                    problems.append(f"chart {i}: {rows}")
            except Exception as exc:
                problems.append(f"chart {i}: {type(exc).__name__}: {exc}")

    _in_threads(work, problems)


def _in_threads(work, problems: list[str]) -> None:
    """``work(i)`` for every i in THREADS threads at once; none may hang or report a problem."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert problems == [], problems[:5]
