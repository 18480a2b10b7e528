"""Download buttons: CSV with provenance, PNG and SVG of the chart (made offline).

Charts are converted with :func:`explorer.exports.chart_json`, under the lock Streamlit holds
while it switches Altair's global data transformer, so one session's export can never carry
another session's data (or lose its own); a shared chart (``explorer.charts.cached``) is
converted once and its text reused. Every file is made only when its button is clicked. CSV
cells that a spreadsheet would run as formulas are defused.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from explorer import exports
from explorer import state as url_state


def downloads(name: str, table: pd.DataFrame, title: str, sources: list[str], page: str,
              state: Mapping[str, Any], chart: alt.TopLevelMixin | None = None) -> None:
    from ui.custom_place import notes_for, with_custom

    link = url_state.url(page, with_custom(state))
    notes = notes_for(state)  # a custom place's definition travels with its numbers
    footer = " ".join([*sources, *notes])
    cols = st.columns(3 if chart is not None else 1)
    # made only when clicked, like the images (defusing every cell of a large table cost up
    # to 0.1 s a run); the frame is not changed after it is drawn
    csv = functools.partial(exports.csv_with_provenance, table, title, tuple(sources), link,
                            tuple(notes))
    cols[0].download_button(
        "CSV", csv, f"{name}.csv",
        mime="text/csv", icon=":material/download:", key=f"dl-csv-{name}", on_click="ignore")
    if chart is not None:
        spec = exports.chart_json(chart)  # under Streamlit's Altair lock: no mixed data
        # rendered only when clicked (vl-convert takes ~0.5 s per image)
        cols[1].download_button("PNG", functools.partial(_png, spec, footer), f"{name}.png",
                                mime="image/png", icon=":material/image:",
                                key=f"dl-png-{name}", on_click="ignore")
        cols[2].download_button("SVG", functools.partial(_svg, spec, footer), f"{name}.svg",
                                mime="image/svg+xml", icon=":material/image:",
                                key=f"dl-svg-{name}", on_click="ignore")


@functools.lru_cache(maxsize=32)
def _png(spec_json: str, footer: str) -> bytes:
    return exports.chart_png(spec_json, footer)


@functools.lru_cache(maxsize=32)
def _svg(spec_json: str, footer: str) -> str:
    return exports.chart_svg(spec_json, footer)
