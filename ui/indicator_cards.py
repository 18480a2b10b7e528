"""Render indicator rows as compact, readable lines (value, England, comparison badge)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.compare import IndicatorRow, format_value

BADGE = {"better": "blue", "similar": "orange", "worse": "red", "lower": "gray",
         "higher": "violet", "not compared": "gray"}


def badge(comparison: str) -> str:
    return f":{BADGE.get(comparison, 'gray')}-badge[{comparison.capitalize()}]"


def indicator_line(r: IndicatorRow) -> None:
    """One indicator: name, value with CI, England, comparison, period and geography."""
    ci = "" if r.lower_ci is None else (f" ({format_value(r.lower_ci, r.unit)}–"
                                        f"{format_value(r.upper_ci, r.unit)})")
    value = format_value(r.value, r.unit) if r.value is not None else "no value"
    where = "" if r.geography_used in ("", r.place) else f" · shown for {r.geography_used}"
    england = ("no England figure" if r.england_value is None or pd.isna(r.england_value)
               else f"England {format_value(r.england_value, r.unit)}")
    st.markdown(f"**{r.name}**: {value}{ci} · {england} {badge(r.compared_to_england)}")
    extra = f"; {r.note}" if r.note and (r.value is None or where) else ""
    small = " Small numbers: treat with caution." if r.small_number else ""
    st.caption(sentence(f"Period: {r.period}{where}{extra}") + small)


def sentence(text: str) -> str:
    """Text ending in exactly one full stop (a note that ends in one gets no second)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."
