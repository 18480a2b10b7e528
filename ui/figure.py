"""Draw a :class:`explorer.figure.Figure`: chart, caption, table twin and downloads, the
same way on every page (the place brief draws the same object as HTML)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from explorer.figure import Figure
from ui import exports

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
    st.altair_chart(fig.chart, width="stretch")
    remember(key)


def show(fig: Figure, page: str, state: Mapping[str, Any], *, expanded: bool = False,
         column_config: Mapping[str, Any] | None = None, subheader: bool = True) -> None:
    """Heading, chart (its title states the finding), caption, table twin and CSV/PNG/SVG."""
    if subheader:
        st.subheader(fig.heading)
    if fig.chart is not None:
        _draw(fig)
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
