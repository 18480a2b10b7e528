"""Render indicator rows as compact, readable lines (value, England, comparison badge)."""

from __future__ import annotations

import streamlit as st

from explorer.compare import IndicatorRow, format_value

BADGE = {"better": "blue", "similar": "orange", "worse": "red", "lower": "gray",
         "higher": "violet", "not compared": "gray"}


def badge(comparison: str) -> str:
    return f":{BADGE.get(comparison, 'gray')}-badge[{comparison.capitalize()}]"


def indicator_line(r: IndicatorRow, trend: tuple[str, str] | None = None) -> None:
    """One indicator: name, value with CI, England, comparison, period and geography;
    ``trend`` (marker, link) adds the recent-trend marker and a link to the trend view."""
    ci = "" if r.lower_ci is None else (f" ({format_value(r.lower_ci, r.unit)}–"
                                        f"{format_value(r.upper_ci, r.unit)})")
    value = format_value(r.value, r.unit) if r.value is not None else "no value"
    where = "" if r.geography_used in ("", r.place) else f" · shown for {r.geography_used}"
    st.markdown(f"**{r.name}**: {value}{ci} · England {format_value(r.england_value, r.unit)} "
                f"{badge(r.compared_to_england)}")
    extra = f"; {r.note}" if r.note and (r.value is None or where) else ""
    small = " Small numbers: treat with caution." if r.small_number else ""
    recent = f" Recent trend: {trend[0].lower()} · [see the trend]({trend[1]})" if trend else ""
    st.caption(f"Period: {r.period}{where}{extra}.{small}{recent}")
