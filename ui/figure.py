"""Draw a :class:`explorer.figure.Figure`: chart, caption, table twin and downloads, the
same way on every page (the place brief draws the same object as HTML)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from explorer import text as plain_text
from explorer.figure import Figure
from ui import exports, tables
from ui.charts import comparison_key
from ui.charts import show as show_chart


def show(fig: Figure, page: str, state: Mapping[str, Any], *, expanded: bool = False,
         columns: Mapping[str, tables.Col] | None = None, subheader: bool = True,
         wide: bool = False, max_height: int | None = 420) -> None:
    """Heading, chart (its title states the finding and is its text alternative), caption,
    the table twin in the shared table format (``columns`` says how to show a column;
    ``wide``: many columns with notes, each as wide as its text needs), and
    CSV/PNG/SVG."""
    if subheader:
        st.subheader(fig.heading)
    if fig.chart is not None:
        # a shared chart (explorer.charts.cached): converted and validated once, the text
        # alternative and the PNG/SVG downloads read the same spec
        show_chart(fig.chart, key_html=(
            "Compared with England: " + comparison_key(fig.comparisons)
            if fig.comparisons else None))
    elif not fig.table.empty:
        st.markdown(f"**{plain_text.escape_markdown(fig.title)}**")
    if fig.caption:
        st.caption(fig.caption)
    if expanded:
        tables.show(fig.table, columns, label=fig.title, wide=wide, max_height=max_height)
    else:
        with st.expander("Table"):
            tables.show(fig.table, columns, label=fig.title, wide=wide,
                        max_height=max_height)
    exports.downloads(fig.file_name, fig.export, fig.title, list(fig.sources), page,
                      state, chart=fig.chart)
