"""Draw a :class:`explorer.figure.Figure`: chart, caption, table twin and downloads, the
same way on every page (the place brief draws the same object as HTML)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from explorer import text as plain_text
from explorer.figure import Figure
from ui import exports, tables
from ui.charts import show as show_chart

#: Charts whose Vega-Lite spec Altair has already validated, by (figure name, title, caption,
#: hash of the chart's data): the same builder given the same inputs makes the same spec, so
#: a rerun need not validate it again (validation was half of each chart's conversion).
#: Shared by every session; bounded.
_VALIDATED: set[tuple[str, str, str, int]] = set()
_MAX_VALIDATED = 1024


def _spec_key(fig: Figure) -> tuple[str, str, str, int] | None:
    data = getattr(fig.chart, "data", None)
    if not isinstance(data, pd.DataFrame):
        return None
    try:
        digest = int(pd.util.hash_pandas_object(data, index=False).sum())
    except TypeError:  # unhashable cells: validate every time
        return None
    return fig.file_name, fig.title, fig.caption, digest


def prepare(fig: Figure) -> tuple[str, str, str, int] | None:
    """Before drawing: if this very spec was validated already, make the chart's
    ``to_dict()`` (which Streamlit calls) skip validation. Returns the spec key."""
    key = _spec_key(fig)
    if key is not None and key in _VALIDATED:
        object.__setattr__(fig.chart, "to_dict",
                           functools.partial(type(fig.chart).to_dict, fig.chart,
                                             validate=False))
    return key


def remember(key: tuple[str, str, str, int] | None) -> None:
    """After drawing (an invalid spec raised while drawing): remember it as validated."""
    if key is None:
        return
    if len(_VALIDATED) >= _MAX_VALIDATED:
        _VALIDATED.clear()
    _VALIDATED.add(key)


def _draw(fig: Figure) -> None:
    key = prepare(fig)
    show_chart(fig.chart)  # converted under the Altair lock, with its text alternative
    remember(key)


def show(fig: Figure, page: str, state: Mapping[str, Any], *, expanded: bool = False,
         columns: Mapping[str, tables.Col] | None = None, subheader: bool = True) -> None:
    """Heading, chart (its title states the finding and is its text alternative), caption,
    the table twin in the shared table format (``columns`` says how to show a column), and
    CSV/PNG/SVG."""
    if subheader:
        st.subheader(fig.heading)
    if fig.chart is not None:
        _draw(fig)
    elif not fig.table.empty:
        st.markdown(f"**{plain_text.escape_markdown(fig.title)}**")
    if fig.caption:
        st.caption(fig.caption)
    if expanded:
        tables.show(fig.table, columns, label=fig.title)
    else:
        with st.expander("Table"):
            tables.show(fig.table, columns, label=fig.title)
    exports.downloads(fig.file_name, fig.export, fig.title, list(fig.sources), page,
                      state, chart=fig.chart)
