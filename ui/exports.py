"""Download buttons: CSV with provenance, PNG and SVG of the chart (made offline)."""

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
    link = url_state.url(page, state)
    footer = " ".join(sources)
    cols = st.columns(3 if chart is not None else 1)
    cols[0].download_button(
        "CSV", exports.csv_with_provenance(table, title, sources, link), f"{name}.csv",
        mime="text/csv", icon=":material/download:", key=f"dl-csv-{name}", on_click="ignore")
    if chart is not None:
        spec = chart.to_json(validate=False)  # validated when st.altair_chart drew it
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
