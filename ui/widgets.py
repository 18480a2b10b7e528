"""Pickers shared by the pages (places, vintage), bound to the URL through ui.state."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from explorer import state as url_state
from explorer.places import Place, registry
from explorer.profile import VINTAGES
from ui.state import widget_key

REGION_KINDS = ("sub-region", "icb", "region")
PLACE_KINDS = ("district", "former district", "town", "sub-region", "icb", "region", "country",
               "ward", "custom")


def place_options(kinds: Iterable[str]) -> list[str]:
    reg = registry()
    kinds = tuple(kinds)
    ids = [p.id for k in kinds for p in reg.all(k)]
    if "custom" in kinds:  # the session's own places (ui/custom_place.py)
        ids += [i for i in st.session_state.get("custom_places", {}) if i not in ids]
    return ids


def place_link(kinds: Iterable[str] = PLACE_KINDS, single: bool = False,
               what: str = "place") -> url_state.Validator:
    """The validator of a link's places (``p``, ``r``) for a page offering ``kinds``: ids,
    codes, names or aliases in any case; unknown ones are dropped with a suggestion and the
    rest kept. ``single``: the first place, for a page's one-place picker."""
    kinds = tuple(kinds)

    def check(value: str | list[str]) -> str | list[str] | url_state.Noted:
        values = [value] if isinstance(value, str) else list(value)
        ids, problems = registry().read_link(values, place_options(kinds), what)
        if not ids:
            raise url_state.InvalidValue("; ".join(problems) or "no place named")
        kept: str | list[str] = ids[0] if single else ids
        if problems:
            return url_state.Noted(kept, "; ".join(problems) + "; showing the others")
        return kept

    return check


def place_label(place_id: str) -> str:
    label = registry().label(place_id)
    if label is not None:
        return label
    custom = st.session_state.get("custom_places", {})
    if place_id in custom:
        return custom[place_id].label
    return place_id


def resolve(place_id: str) -> Place:
    custom = st.session_state.get("custom_places", {})
    if place_id in custom:
        return custom[place_id]
    return registry().get(place_id)


def region_picker(key: str = url_state.REGION, label: str = "Region") -> Place:
    options = place_options(REGION_KINDS)
    place_id = st.selectbox(label, options, key=widget_key(key), format_func=place_label,
                            help="Sub-regions, ICBs and regions of England.")
    return registry().get(place_id)


def vintage_picker(key: str = url_state.VINTAGE) -> int:
    return st.segmented_control(
        "Indices of Deprivation", VINTAGES, key=widget_key(key),
        format_func=lambda v: f"IoD{v}", selection_mode="single",
        help="IoD2019 uses 2011 LSOAs and mid-2015 populations; IoD2025 uses 2021 LSOAs "
             "(populations: Census 2021). The two are not directly comparable.",
    ) or 2019
