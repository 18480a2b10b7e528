"""Render indicator records as compact, readable lines (value, interval, England, badge)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.compare import format_interval, format_value
from explorer.values import PlaceValue

BADGE = {"better": "blue", "similar": "orange", "worse": "red", "lower": "gray",
         "higher": "violet", "not compared": "gray"}


def badge(comparison: str) -> str:
    return f":{BADGE.get(comparison, 'gray')}-badge[{comparison.capitalize()}]"


def indicator_line(r: PlaceValue, trend: tuple[str, str] | None = None) -> None:
    """One indicator: name, value with the interval that decided, England, comparison,
    period and - for a value of a larger area - the lender, marked as such; ``trend``
    (marker, link) adds the recent-trend marker and a link to the trend view."""
    ci = "" if r.lower_ci is None else (
        " ({}–{}, {})".format(*format_interval(r.lower_ci, r.upper_ci, r.unit), r.interval_label))
    value = format_value(r.value, r.unit) if r.value is not None else "no value"
    lent = f" · :material/call_split: taken from {r.lender}" if r.borrowed else ""
    england = ("no England figure" if r.england_value is None or pd.isna(r.england_value)
               else f"England {format_value(r.england_value, r.unit)}")
    # a published label without its limits says what decided it, beside the label
    basis = f" *({r.decided_on})*" if r.label_without_limits else ""
    st.markdown(f"**{r.label}**: {value}{ci} · {england} {badge(r.compared_to_england)}{basis}")
    extra = f"; {r.note}" if r.note and (r.value is None or r.borrowed) else ""
    small = " Small numbers: treat with caution." if r.small_number else ""
    ages = f" Ages {r.age_group}." if r.age_group else ""
    recent = f" Recent trend: {trend[0].lower()} · [see the trend]({trend[1]})" if trend else ""
    st.caption(sentence(f"Period: {r.period}{lent}{extra}") + ages + small + recent)


def sentence(text: str) -> str:
    """Text ending in exactly one full stop (a note that ends in one gets no second)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."
