"""Download buttons: CSV with provenance, PNG and SVG of the chart (made offline)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from explorer import exports
from explorer import state as url_state


def downloads(name: str, table: pd.DataFrame, title: str, sources: list[str], page: str,
              state: Mapping[str, Any], chart: alt.TopLevelMixin | None = None) -> None:
    link = url_state.url(page, state)
    footer = " ".join(sources)
    cols = st.columns(3 if chart is not None else 1)
    cols[0].download_button(
        "CSV", exports.csv_with_provenance(table, title, sources, link), f"{name}.csv",
        mime="text/csv", icon=":material/download:", key=f"dl-csv-{name}")
    if chart is not None:
        try:
            png = _png(chart.to_json(), footer)
            svg = _svg(chart.to_json(), footer)
        except Exception:
            cols[1].caption("Image export unavailable.")
            return
        cols[1].download_button("PNG", png, f"{name}.png", mime="image/png",
                                icon=":material/image:", key=f"dl-png-{name}")
        cols[2].download_button("SVG", svg, f"{name}.svg", mime="image/svg+xml",
                                icon=":material/image:", key=f"dl-svg-{name}")


@st.cache_data(max_entries=64, show_spinner=False)
def _png(spec_json: str, footer: str) -> bytes:
    return exports.chart_png(spec_json, footer)


@st.cache_data(max_entries=64, show_spinner=False)
def _svg(spec_json: str, footer: str) -> str:
    return exports.chart_svg(spec_json, footer)
