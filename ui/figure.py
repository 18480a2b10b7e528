"""Draw a :class:`explorer.figure.Figure`: chart, caption, table twin and downloads, the
same way on every page (the place brief draws the same object as HTML)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from explorer.figure import Figure
from ui import exports


def show(fig: Figure, page: str, state: Mapping[str, Any], *, expanded: bool = False,
         column_config: Mapping[str, Any] | None = None, subheader: bool = True) -> None:
    """Heading, chart (its title states the finding), caption, table twin and CSV/PNG/SVG."""
    if subheader:
        st.subheader(fig.heading)
    if fig.chart is not None:
        st.altair_chart(fig.chart, width="stretch")
    elif not fig.table.empty:
        st.markdown(f"**{fig.title}**")
    if fig.caption:
        st.caption(fig.caption)
    if expanded:
        st.dataframe(fig.table, hide_index=True, width="stretch",
                     column_config=dict(column_config or {}))
    else:
        with st.expander("Table"):
            st.dataframe(fig.table, hide_index=True, width="stretch",
                         column_config=dict(column_config or {}))
    exports.downloads(fig.file_name, fig.export, fig.title, list(fig.sources), page,
                      state, chart=fig.chart)
