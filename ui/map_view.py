"""Streamlit side of the map page: pickers bound to the URL, the cached deck, the legend,
the selection (map click, finder or link) and the side panel.

The numbers, classes, colours and spec come from :mod:`explorer.maps`; this module only
caches them across sessions (``st.cache_resource``: no copies, bounded entries) and draws.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from explorer import area_metrics as am
from explorer import exports, maps
from explorer import state as url_state
from explorer.area_metrics import AreaIndicator, Geography
from explorer.charts import decile_stack, pct
from explorer.places import DEFAULT_COMPARISON, DEFAULT_REGION, Place, registry
from explorer.profile import CORE20_DEFINITION, VINTAGES, Profile, profile
from explorer.state import InvalidValue
from ui import tables
from ui.charts import show as show_chart
from ui.frame import on_a_phone
from ui.state import needs_seed, publish, seed, widget_key
from ui.widgets import place_label, place_link, place_options, resolve, vintage_picker

PAGE = "map"
LEVEL, VINTAGE, REGION = url_state.LEVEL, url_state.VINTAGE, url_state.REGION
INDICATOR, CLASSES, SELECTION = url_state.INDICATOR, url_state.CLASSES, url_state.SELECTION
DEFAULTS: dict[str, Any] = {LEVEL: am.DEFAULT_LEVEL, VINTAGE: 2019, REGION: DEFAULT_REGION,
                            INDICATOR: "imd_score", CLASSES: maps.DEFAULT_SCHEME, SELECTION: ""}
#: Extent picker and the link's extent: every kind of place except LSOAs, widest first, and
#: the session's own places (ui/custom_place.py).
EXTENT_KINDS = ("country", "region", "sub-region", "icb", "district", "former district", "town",
                "ward", "custom")
#: Above this many areas the finder is a code box (33k options would add megabytes).
FINDER_MAX = 5_000
#: Above this many rows the map's table is hidden until asked for: the default region's
#: 1,265-row table was three quarters of the page's websocket bytes (264 of 361 kB) and,
#: drawn as HTML, kept the map off screen 1.3 s longer (5.5 -> 4.2 s in headless Chromium,
#: 7 Dec). The CSV is always there.
TABLE_AUTO_ROWS = 500
MAP_HEIGHT = 640
LEVEL_SHORT = {"lsoa": "LSOA", "ward": "Ward (NW)", "district": "District", "icb": "ICB"}
_EVENT = "_map_last_event"
_ZOOM = "_map_zoom"
_KEY_VERSION = "_map_key_version"
_SEL_FROM_URL = "_map_sel_from_url"


@dataclass(frozen=True)
class MapChoice:
    """What the user asked for, after validation (the URL state of the page)."""

    geo: Geography
    extent: Place
    indicator: AreaIndicator
    scheme: str
    basemap: bool
    notes: tuple[str, ...] = ()

    @property
    def layer_id(self) -> str:
        return f"areas-{self.geo.id}-{self.extent.id}"


def _extent_options() -> list[str]:
    return place_options(EXTENT_KINDS)


def _valid_sel(value: Any) -> str:
    text = str(value).strip().upper()
    if not (len(text) == 9 and text[0] == "E" and text[1:].isdigit()):
        raise InvalidValue(f"{url_state.quote(value)} is not an area code (e.g. E01012673)")
    return text


def seed_from_url() -> None:
    """First run of the page in a session: the link's settings seed the pickers."""
    if needs_seed(PAGE, DEFAULTS):
        st.session_state[_SEL_FROM_URL] = True  # a bad selection in a link gets a message
    seed(PAGE, validators={
        LEVEL: url_state.choice(list(am.LEVELS), "map level"),
        VINTAGE: url_state.choice(VINTAGES, "vintage"),
        REGION: place_link(EXTENT_KINDS, single=True, what="map extent"),
        INDICATOR: url_state.choice([i.id for i in am.indicators()], "indicator"),
        CLASSES: url_state.choice(list(maps.SCHEMES), "class scheme"),
        SELECTION: _valid_sel,
    }, defaults=DEFAULTS)


def controls(top: tuple[Any, Any, Any] | None = None) -> MapChoice:
    """The pickers: level, vintage and extent (in the three ``top`` containers when given:
    a row above the map, where a long place name is not cut), then indicator, colours and
    the optional basemap where this is called (all bound to the URL)."""
    notes: list[str] = []
    here = st.container()
    c_level, c_vintage, c_extent = top or (here, here, here)
    with c_level:
        level = _level_picker()
    with c_vintage:
        vintage = vintage_picker()
    with c_extent:
        extent_id = _extent_picker()
    return _rest(level, vintage, extent_id, notes)


def _level_picker() -> str:
    return st.radio("Geography", list(am.LEVELS), key=widget_key(LEVEL),
                     format_func=LEVEL_SHORT.get, horizontal=True,
                     help="LSOAs are neighbourhoods of about 1,500 residents. Ward boundaries "
                          "are bundled for the North West only.")


def _extent_picker() -> str:
    return st.selectbox("Area shown", _extent_options(), key=widget_key(REGION),
                        format_func=place_label,
                        help="England, a region, an ICB, a district, a town or a ward. "
                             "Type to search.")


def _partly_shown_note(geo: Geography, extent: Place) -> str | None:
    """Name the areas that reach into the extent but are not drawn (mostly outside it)."""
    part = maps.partly_in_view(geo.id, extent)
    if not part or geo.level not in ("icb", "district"):
        return None
    names = {p.code: p.name for p in registry().all() if p.kind in ("icb", "district",
                                                                    "former district")}
    listed = "; ".join(f"{names.get(c, c)} ({s:.0%} of its neighbourhoods)" for c, s in part[:4])
    return (f"Only {geo.plural} mostly inside {extent.name} are drawn. Also reaching into it, "
            f"but mostly outside, so not drawn: {listed}. Choose the North West or England "
            "under Area shown to see them whole.")


def _rest(level: str, vintage: int, extent_id: str, notes: list[str]) -> MapChoice:
    geo = am.geography(level, vintage)
    extent = resolve(extent_id)
    if not maps.in_coverage(geo, extent):
        notes.append(f"Ward boundaries are bundled for the North West only, so the map shows "
                     f"the North West instead of {extent.name}.")
        extent = registry().get("north-west")
    partly = _partly_shown_note(geo, extent)
    if partly:
        notes.append(partly)
    options = [i.id for i in am.available(geo)]
    if st.session_state.get(widget_key(INDICATOR)) not in options:
        missing = st.session_state.get(widget_key(INDICATOR))
        notes.append(f"'{missing}' is not available for {geo.label}; showing the IMD score.")
        st.session_state[widget_key(INDICATOR)] = "imd_score"
    ind_id = st.selectbox("Indicator", options, key=widget_key(INDICATOR),
                          format_func=lambda i: am.get(i).label,
                          help="Deprivation domains (score or national decile), Core20 and "
                               "population.")
    scheme = st.radio("Colours", list(maps.SCHEMES), key=widget_key(CLASSES),
                      format_func=maps.SCHEMES.get, horizontal=True,
                      help="National deciles: the same colours on every map and page. "
                           "Quantiles in view: tenths of the areas on this map.")
    basemap = st.toggle("Street basemap (online)", key="map_basemap", value=False,
                        help="Draws an online street map under the areas (needs internet). "
                             "Off by default: the app works offline.")
    if basemap:
        st.caption("The street map comes from Carto over the internet: without a connection "
                   "the areas are drawn on a blank background, as with the toggle off.")
    return MapChoice(geo, extent, am.get(ind_id), scheme, basemap, tuple(notes))


# --------------------------------------------------------------------------------------
# Cached computations (shared by all sessions: the final deck JSON string, bounded)


def view_frame(choice: MapChoice) -> pd.DataFrame:
    """The areas on the map with their values (shared, read-only; cached in explorer)."""
    return maps.view_frame(choice.geo.id, choice.extent, choice.indicator.file_group)


def map_width() -> int:
    """The width a map's view is fitted to: a phone's, or the laptop map column's."""
    return maps.PHONE_MAP_WIDTH_PX if on_a_phone() else maps.MAP_WIDTH_PX


@st.cache_resource(max_entries=128, show_spinner=False)
def _spec(geo_id: str, extent_key: str, group: str, fill_prop: str, sel: str, zoom: str,
          basemap: bool, base_url: str, width: int, _extent: Place) -> str:
    if maps.use_tiles(geo_id, _extent):
        folder, meta = maps.areas_tiles_meta(geo_id, _extent, group)
        areas, tiles = None, maps.tile_source(folder, meta, base_url)
        pic = (maps.picture_file(geo_id, _extent, group, fill_prop, base_url)
               if maps.pictured(geo_id, _extent) else None)
    else:
        pic = None
        areas, meta = maps.areas_file_meta(geo_id, _extent, group)
        tiles = None
    bounds = maps.view_bounds(geo_id, [zoom]) if zoom else meta.get("bounds")
    state = maps.fit_view(bounds or maps.ENGLAND_BOUNDS,
                          width=width,
                          max_zoom=13.0 if zoom else 12.0)

    def url(name: str | None) -> str | None:
        return None if name is None else maps.static_geo.url(name, base_url)

    layers = maps.MapLayers(
        areas=url(areas), tiles=tiles, picture=pic,
        edges=url(maps.area_edges_file(geo_id, _extent)),
        districts=url(maps.district_outline_file(geo_id, _extent)),
        wards=url(maps.ward_outline_file(geo_id, _extent)),
        extent=url(maps.extent_outline_file(geo_id, _extent)),
        selection=url(maps.selection_file(geo_id, sel)) if sel else None,
        layer_id=f"areas-{geo_id}-{_extent.id}",
        stroked=False,  # edges come from the non-pickable edges layer
        light_outlines=maps.england_like(_extent),
    )
    return maps.deck_json(layers, fill_prop, state, trigger=f"{group}:{fill_prop}",
                          basemap=basemap)


def deck_spec(choice: MapChoice, sel: str | None, zoom: str | None) -> str:
    base = st.get_option("server.baseUrlPath") or ""
    prop = maps.accessor_prop(choice.indicator, choice.geo, choice.extent, choice.scheme)
    return _spec(choice.geo.id, f"{choice.extent.id}:{maps.extent_key(choice.extent)}",
                 choice.indicator.file_group, prop, sel or "", zoom or "", choice.basemap, base,
                 map_width(), choice.extent)


# --------------------------------------------------------------------------------------
# Selection: map click, finder, link


def map_key() -> str:
    return f"map_select_{st.session_state.get(_KEY_VERSION, 0)}"


def _objects(event: Any) -> dict[str, list]:
    """Selected objects by layer id. Under AppTest the event is a plain dict, in the app an
    attribute dict: read both as mappings."""
    if not event:
        return {}
    sel = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection",
                                                                           None)
    if not sel:
        return {}
    objs = sel.get("objects") if isinstance(sel, Mapping) else getattr(sel, "objects", None)
    return dict(objs or {})


def _code_of(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        props = obj.get("properties") or {}
        code = props.get("id") if isinstance(props, Mapping) else None
        return str(code) if code else None
    return None


def update_selection_from_map(choice: MapChoice) -> None:
    """A new click on the map selects that area; clicking it again (or empty map) clears
    the selection. Selections the frontend dropped because the view changed are ignored."""
    event = st.session_state.get(map_key())
    objs = _objects(event)
    last = st.session_state.get(_EVENT)
    current = {k: [_code_of(o) for o in v] for k, v in objs.items()}
    if current == (last or {}).get("objects", {}):
        return
    st.session_state[_EVENT] = {"objects": current}
    codes = [c for c in current.get(choice.layer_id, []) if c]
    if codes:
        st.session_state[widget_key(SELECTION)] = codes[0]
    elif last and choice.layer_id in last.get("objects", {}):
        st.session_state[widget_key(SELECTION)] = ""


def valid_selection(choice: MapChoice, view: pd.DataFrame) -> tuple[str | None, str | None]:
    """The selected code if it is on this map, else None and a message for a bad link."""
    from_url = st.session_state.pop(_SEL_FROM_URL, False)
    sel = (st.session_state.get(widget_key(SELECTION)) or "").strip().upper()
    if not sel:
        return None, None
    if sel in view.index:
        return sel, None
    st.session_state[widget_key(SELECTION)] = ""
    if not from_url:  # the user changed the level or extent: just let the selection go
        return None, None
    return None, (f"The selected area {sel} in the link is not one of the {choice.geo.plural} "
                  "on this map (another level or extent?), so nothing is selected.")


def _set_sel_from_finder() -> None:
    st.session_state[widget_key(SELECTION)] = st.session_state.get("map_find") or ""


def _set_sel_from_code() -> None:
    try:
        st.session_state[widget_key(SELECTION)] = _valid_sel(st.session_state.get("map_code", ""))
    except InvalidValue:
        st.session_state[widget_key(SELECTION)] = ""


def finder(choice: MapChoice, view: pd.DataFrame, sel: str | None) -> None:
    """A keyboard-friendly twin of clicking: pick an area by name (or code, on big maps)."""
    if len(view) <= FINDER_MAX:
        # one dict, not a .at look-up per option twice a run (~5 % of a room's script CPU)
        names = dict(zip(view.index.tolist(), view["name"].tolist(), strict=True))
        options = sorted(names, key=lambda c: (names[c], c))
        st.session_state["map_find"] = sel
        st.selectbox(f"Find {_a(choice.geo.singular)}", options, key="map_find", index=None,
                     placeholder="Type a name, or click the map",
                     format_func=lambda c: f"{names[c]} ({c})",
                     on_change=_set_sel_from_finder)
    else:
        st.session_state["map_code"] = sel or ""
        st.text_input(f"Find {_a(choice.geo.singular)} by code", key="map_code",
                      placeholder="e.g. E01012673, or click the map",
                      on_change=_set_sel_from_code)


def _a(noun: str) -> str:
    """'an LSOA', 'an ICB', 'a ward': the article follows the sound of the abbreviation."""
    return f"{'an' if noun[:1] in 'AEFHILMNORSX' and noun.isupper() else 'a'} {noun}"


def clear_selection() -> None:
    st.session_state[widget_key(SELECTION)] = ""
    st.session_state[_ZOOM] = None
    # a new chart key drops the chart's own selection (it cannot be written to)
    st.session_state[_KEY_VERSION] = st.session_state.get(_KEY_VERSION, 0) + 1
    st.session_state.pop(_EVENT, None)


def zoom_target(choice: MapChoice, sel: str | None) -> str | None:
    """The area to zoom to, if "Zoom to" was pressed for the current selection."""
    target = st.session_state.get(_ZOOM)
    if target and target == (choice.geo.id, choice.extent.id, sel):
        return sel
    return None


def draw_map(choice: MapChoice, view: pd.DataFrame, sel: str | None, alt: str) -> None:
    spec = deck_spec(choice, sel, zoom_target(choice, sel))
    deck = maps.PreSerialisedDeck(spec, tooltip=maps.tooltip(choice.indicator, choice.geo))
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key=map_key(),
                    height=MAP_HEIGHT, alt=alt)


def legend_html(legend: maps.Legend) -> str:
    """The legend as a list (a real ``<ul>``, so screen readers count its entries): swatch,
    label and the number of areas of each class on the map, then the areas with no value."""
    items = [(e.colour, e.label, e.count) for e in legend.entries]
    items.append((legend.missing_colour, "No value", legend.missing))
    rows = "".join(
        f"<li><span aria-hidden='true' style='display:inline-block;width:18px;height:14px;"
        f"background:{c};border:1px solid #666;margin-right:6px'></span>"
        f"{html.escape(label)}<span style='color:#555;margin-left:4px'>({n:,})</span></li>"
        for c, label, n in items)
    return (f"<div data-testid='map-legend' class='hee-legend' style='line-height:1.5'>"
            f"<div style='font-weight:600;margin-bottom:2px'>{html.escape(legend.title)}</div>"
            f"<ul aria-label='Map legend: {html.escape(legend.title, quote=True)}'>{rows}</ul>"
            f"<div style='color:#555;font-size:0.85rem'>{html.escape(legend.note)}</div></div>")


def draw_legend(legend: maps.Legend) -> None:
    """pydeck has no legend: swatches with counts of the areas on the map, drawn as HTML."""
    st.html(legend_html(legend))


# --------------------------------------------------------------------------------------
# Side panel


def area_place(choice: MapChoice, code: str, name: str) -> Place:
    """The place behind an area: the registry's ward/district/ICB, or an LSOA made on the
    fly (LSOAs are not places in the registry)."""
    geo = choice.geo
    if geo.is_lsoa:
        codes = (code,)
        return Place(id=f"lsoa-{code.lower()}", name=name, kind="lsoa",
                     definition=f"LSOA {code} ({geo.label})",
                     lsoa11=codes if geo.lsoa_year == 2011 else (),
                     lsoa21=codes if geo.lsoa_year == 2021 else (), code=code)
    reg = registry()
    for p in reg.all():
        if p.code == code and p.kind in ("ward", "district", "former district", "icb"):
            return p
    m = am.membership(geo.id)
    lsoas = tuple(sorted(m.loc[m["area"] == code, "lsoa"]))
    return Place(id=f"area-{code.lower()}", name=name, kind=geo.singular,
                 definition=f"{geo.label} {code}: its LSOAs by the ONS lookup",
                 lsoa11=lsoas if geo.lsoa_year == 2011 else (),
                 lsoa21=lsoas if geo.lsoa_year == 2021 else (), code=code)


def compare_target(choice: MapChoice, place: Place, view: pd.DataFrame, code: str,
                   ) -> Place | None:
    """What "Compare" adds: the area itself, or for an LSOA its district."""
    reg = registry()
    if place.id in reg:
        return place
    if choice.geo.is_lsoa:
        dgeo = am.geography("district", choice.geo.vintage)
        m = am.membership(dgeo.id)
        lad = m.loc[m["lsoa"] == code, "area"]
        if len(lad):
            for p in reg.all():
                if p.code == lad.iloc[0] and p.kind in ("district", "former district"):
                    return p
    return None


def go_compare(target: Place) -> None:
    """Add the place to the comparison and open the compare page with it in the link."""
    current = list(st.session_state.get("compare_places")
                   or st.session_state.get(widget_key(url_state.PLACES)) or DEFAULT_COMPARISON)
    ids = [i for i in current if i != target.id][-3:] + [target.id]
    st.session_state["compare_places"] = ids
    st.session_state.setdefault("compare_add", [])
    if target.id not in st.session_state["compare_add"]:
        st.session_state["compare_add"].append(target.id)
    st.switch_page("pages/compare.py", query_params={url_state.PLACES: ",".join(ids)})


def _profile_rows(prof: Profile) -> pd.DataFrame:
    total = max(prof.population, 1)
    return pd.DataFrame({"place": prof.name, "decile": list(range(1, 11)),
                         "population": prof.decile_population,
                         "share": [p / total for p in prof.decile_population]})


@st.cache_resource(max_entries=256, show_spinner=False)
def _profile(place_id: str, vintage: int, _place: Place) -> Profile:
    return profile(_place, vintage)


def side_panel(choice: MapChoice, view: pd.DataFrame, sel: str | None) -> None:
    """The selected area's profile, with "Compare" and "Zoom to"."""
    if not sel and maps.pictured(choice.geo.id, choice.extent):
        st.markdown("**Zoom in** on the map (scroll, pinch or double-click) until the areas "
                    "are drawn as shapes, then click one to see its profile here, or find it "
                    "by code.")
        st.caption("At the England view an LSOA is a pixel or two across, so the map shows "
                   "all of them as one picture, which is quick to draw; hovering shows the "
                   "values once you zoom in. Drag to pan.")
        return
    if not sel:
        st.markdown("**Click an area** on the map (or find it by name) to see its profile "
                    "here.")
        st.caption("Hover for the value, its national decile and the place it is in. "
                   "Drag to pan, scroll to zoom.")
        return
    row = view.loc[sel]
    place = area_place(choice, sel, str(row["name"]))
    prof = _profile(f"{place.id}:{len(place.lsoa11)}:{len(place.lsoa21)}",
                    choice.geo.vintage, place)
    ind = choice.indicator
    st.subheader(str(row["name"]))
    st.caption(f"{choice.geo.singular} {sel} · in {row['parent']}" if row["parent"]
               else f"{choice.geo.singular} {sel}")
    value = ind.format(row[f"v:{ind.id}"], choice.geo)
    nat = row[f"n:{ind.id}"]
    st.metric(am.value_label(ind, choice.geo), value,
              help=ind.description + ("" if pd.isna(nat) else f" National class: {int(nat)}."))
    c1, c2 = st.columns(2)
    c1.metric("Residents", f"{prof.population:,}", help=prof.population_source)
    c2.metric("In Core20", pct(prof.core20_share), help=CORE20_DEFINITION)
    if prof.imd_score is not None and ind.id != "imd_score":
        c1.metric("IMD score", f"{prof.imd_score:.1f}",
                  help=f"Higher = more deprived. {prof.imd_score_method}.")
    if prof.district_rank:
        c2.metric("District rank", f"{prof.district_rank} of {prof.district_rank_of}",
                  help="1 = most deprived district by average score.")
    if prof.lsoa_count > 1:
        show_chart(decile_stack(_profile_rows(prof), choice.geo.vintage,
                               "Residents by national IMD decile"))
    if not row["has_geometry"]:
        st.warning("This area has no boundary in the bundled data, so it is not drawn.")
    target = compare_target(choice, place, view, sel)
    label = "Compare" if target is place else (f"Compare {target.name}" if target else
                                               "Compare")
    if st.button(label, icon=":material/compare_arrows:", disabled=target is None,
                 help="Add to the comparison page" if target is place else
                 (f"LSOAs are not places on the comparison page: this adds {target.name}, "
                  "the district it is in." if target else
                  "This area is not a place on the comparison page."),
                 key="map_compare", width="stretch"):
        go_compare(target)  # type: ignore[arg-type]
    if st.button("Zoom to", icon=":material/zoom_in:", key="map_zoom", width="stretch",
                 disabled=not row["has_geometry"]):
        st.session_state[_ZOOM] = (choice.geo.id, choice.extent.id, sel)
        st.rerun()
    if st.button("Clear selection", icon=":material/close:", key="map_clear",
                 type="tertiary"):
        clear_selection()
        st.rerun()
    st.caption(f"Profile: IoD{choice.geo.vintage}. {prof.source}")


# --------------------------------------------------------------------------------------
# Table twin and URL


def table_twin(choice: MapChoice, view: pd.DataFrame, source: str, alt: str) -> None:
    """The same areas and values as the map, sortable, with a CSV that says where from."""
    table = maps.table_twin(view, choice.indicator, choice.geo, choice.scheme)
    state = current_state(choice, st.session_state.get(widget_key(SELECTION)) or None)
    from ui.custom_place import notes_for, with_custom

    link = url_state.url(PAGE, with_custom(state))  # a custom extent's definition travels
    title = (f"{am.value_label(choice.indicator, choice.geo)} for {len(table):,} "
             f"{choice.geo.plural} in {choice.extent.name} (IoD{choice.geo.vintage}, "
             f"{choice.geo.label})")
    big = len(table) > TABLE_AUTO_ROWS
    show = st.toggle(f"Show the map as a table ({len(table):,} rows)", value=not big,
                     key=f"map_table_{'big' if big else 'small'}",
                     help=f"Tables of more than {TABLE_AUTO_ROWS:,} rows are hidden until "
                          "asked for: drawing one keeps the map off screen for a second or "
                          "more on a phone. The CSV below holds every row." if big else None)
    if show:
        tables.show(_shown(table, view, choice), _MAP_COLUMNS, label=title, max_height=380)
    name = f"map-{choice.indicator.id}-{choice.geo.id}-{choice.extent.id}"
    st.download_button(
        "Download CSV", lambda: exports.csv_with_provenance(
            table, title, [source], link,
            notes=[alt, choice.indicator.description, *notes_for(state)]),
        f"{name}.csv", mime="text/csv", icon=":material/download:", key="map_csv",
        on_click="ignore")


_MAP_COLUMNS = {"National class": tables.INT, "Decile in view": tables.INT,
                "Population": tables.INT}


def _shown(table: pd.DataFrame, view: pd.DataFrame, choice: MapChoice) -> pd.DataFrame:
    """The value column as the legend and tooltip write it (the indicator's own precision,
    from the same raw values); the CSV keeps the raw numbers."""
    ind, geo = choice.indicator, choice.geo
    value_col = table.columns[3]
    if ind.is_flag(geo):
        return table
    shown = [None if pd.isna(v) else ind.format(v, geo) for v in view[f"v:{ind.id}"]]
    out = table.assign(**{value_col: shown})
    if value_col.endswith(" (%)") and any(str(v).endswith("%") for v in shown if v):
        out = out.rename(columns={value_col: value_col[:-4]})
    return out


def current_state(choice: MapChoice, sel: str | None) -> dict[str, Any]:
    return {LEVEL: choice.geo.level, VINTAGE: choice.geo.vintage, REGION: choice.extent.id,
            INDICATOR: choice.indicator.id, CLASSES: choice.scheme, SELECTION: sel or ""}


def publish_state(choice: MapChoice, sel: str | None) -> None:
    publish(current_state(choice, sel))


# --------------------------------------------------------------------------------------
# The user's own data (uploaded on the Facilitator page, kept in this session)


def _upload_format(ind: Any) -> Any:
    if ind.has_counts:
        return lambda v: f"{v * 100:.1f}%"
    unit = f" {ind.unit}" if ind.unit else ""
    return lambda v: f"{v:,.3g}{unit}"


def uploads_on_map(choice: MapChoice) -> None:
    """Each upload whose areas are this map's areas, drawn on its own map below (its
    colours are fifths of the areas in view: uploads have no national classes). Uploads of
    another level say which level shows them."""
    from ui.user_data import user_indicators

    items = user_indicators()
    if not items:
        return
    here = [u for u in items if (u.map_level, u.vintage) == (choice.geo.level,
                                                             choice.geo.vintage)]
    for u in items:
        if u not in here:
            st.caption(f"Your data “{u.name}” is by {LEVEL_SHORT.get(u.map_level, u.map_level)}"
                       f" (IoD{u.vintage} areas): choose that geography and vintage to see it "
                       "on the map.")
    for u in here:
        um = maps.upload_map(choice.geo.id, choice.extent, u.values(), u.name,
                             _upload_format(u))
        st.subheader(f"Your data: {u.name}")
        if not um.matched:
            st.info(f"None of the areas in your file lie in {choice.extent.name}.")
            continue
        base = st.get_option("server.baseUrlPath") or ""
        outline = maps.extent_outline_file(choice.geo.id, choice.extent)
        deck = maps.upload_deck(um, maps.static_geo.url(outline, base) if outline else None,
                                map_width())
        alt = (f"{u.name}: {um.matched:,} of the {choice.geo.plural} in {choice.extent.name} "
               "have a value, coloured in fifths from lowest to highest.")
        st.pydeck_chart(deck, height=480, key=f"user_map_{u.id}", alt=alt)
        draw_legend(um.legend)
        st.caption(f"{alt} Source: your file ({u.filename or 'uploaded'}), kept in this "
                   "browser session only; boundaries as on the map above.")
