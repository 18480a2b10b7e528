"""Streamlit side of custom places: the URL key, the session registry and the builder.

A custom place lives in the browser session (``st.session_state["custom_places"]``: id ->
Place, read by the pickers) and in the URL (``cp``: compact tokens from
:mod:`explorer.custom_places`), so a reload or a shared link reopens it on any machine and
nothing is stored on the server. Numbers come from the same functions as for every place.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from explorer import custom_places as cpl
from explorer import state as url_state
from explorer.charts import pct
from explorer.codes import member
from explorer.places import Place, registry
from explorer.profile import CORE20_DEFINITION, profile
from ui.charts import show as show_chart

SESSION = "custom_places"
DEFS = "custom_place_defs"
DRAFT = "cp_draft"
DRAFT_NAME = "cp_draft_name"
BUILD_MODE = "cp_build_mode"
KEY = url_state.CUSTOM
LEVEL_OPTIONS = {"ward19": "Wards (Dec 2019)", "lsoa11": "LSOAs (2011)",
                 "lsoa21": "LSOAs (2021)", "msoa11": "MSOAs (2011, HCL names)",
                 "district": "Districts"}
NW = "E12000002"


@functools.lru_cache(maxsize=256)
def _decode(token: str) -> tuple[cpl.CustomPlace | None, str | None]:
    return cpl.decode(token)


def saved() -> dict[str, cpl.CustomPlace]:
    return st.session_state.setdefault(DEFS, {})


def register(cp: cpl.CustomPlace) -> None:
    """Make a custom place available to every picker of this session."""
    saved()[cp.place.id] = cp
    st.session_state.setdefault(SESSION, {})[cp.place.id] = cp.place


def forget(place_id: str) -> None:
    saved().pop(place_id, None)
    st.session_state.setdefault(SESSION, {}).pop(place_id, None)


def load_from_url() -> None:
    """Read ``cp`` tokens from the URL into the session; a damaged one gets a message and
    the rest of the view goes on. Called by the frame on every run (decoding is cached)."""
    try:
        tokens = st.query_params.get_all(KEY)
    except Exception:  # the URL must never break the page
        return
    seen: list[str] = []
    for raw in tokens[:8]:
        for token in str(raw).split(","):
            token = token.strip()
            if not token or token in seen:
                continue
            seen.append(token)
            cp, message = _decode(token[: cpl.MAX_TOKEN + 1])
            if cp is not None:
                register(cp)
            if message:
                st.warning(message, icon=":material/link_off:")


def _ids(state: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key in (url_state.PLACES, url_state.REGION, url_state.BENCHMARK):
        v = state.get(key)
        for item in (v if isinstance(v, list | tuple) else [v]):
            if isinstance(item, str) and item in saved() and item not in out:
                out.append(item)
    return out


def with_custom(state: Mapping[str, Any], everything: bool = False) -> dict[str, Any]:
    """The state plus ``cp`` tokens for the custom places it refers to (all of the
    session's with ``everything``, so a reload keeps them)."""
    ids = list(saved()) if everything else _ids(state)
    out = dict(state)
    if ids:
        out[KEY] = [saved()[i].token for i in ids][:8]
    return out


def notes_for(state: Mapping[str, Any]) -> list[str]:
    """Definitions of the custom places a view refers to, for download headers."""
    return [f"{saved()[i].place.name}: {saved()[i].place.definition}" for i in _ids(state)]


def caption(places: Iterable[Place]) -> None:
    """The definition of every custom place shown, under a page's first figures."""
    for p in places:
        if p.kind == "custom":
            st.caption(f"**{p.name.replace('*', '')}**: " + p.definition.replace("*", ""))


# --------------------------------------------------------------------------------------
# The builder


def draft() -> list[str]:
    return st.session_state.setdefault(DRAFT, [])


def toggle(code: str) -> str:
    """Add an area to the draft place, or take it out when it is already in."""
    codes = draft()
    if code in codes:
        codes.remove(code)
        return "removed"
    codes.append(code)
    return "added"


@functools.cache
def _options(level: str, district: str | None) -> dict[str, str]:
    """code -> 'name (code)' of the areas of a level, within a district (or the North West)."""
    from loaders import snapshot

    if level == "district":
        return {p.code: f"{p.name} ({p.code})" for p in registry().all()
                if p.kind in ("district", "former district") and p.code}
    if level == "lsoa21":
        g = snapshot.table("geo_lsoa21")
        g = g[g["lad22cd"] == district] if district else g[g["rgncd"] == NW]
        return dict(zip(g["lsoa21cd"], g["lsoa21_name_x"] + " (" + g["lsoa21cd"] + ")",
                        strict=True))
    g = snapshot.table("geo_lsoa11")
    g = g[g["lad19cd"] == district] if district else g[g["rgn19cd"] == NW]
    col, name = {"ward19": ("wd19cd", "wd19nm"), "lsoa11": ("lsoa11cd", "lsoa11nm"),
                 "msoa11": ("msoa11cd", "msoa11hclnm")}[level]
    g = g.drop_duplicates(col).sort_values(name)
    return dict(zip(g[col], g[name] + " (" + g[col] + ")", strict=True))


def _nw_districts() -> dict[str, str]:
    return {p.code: p.name for p in registry().all()
            if p.kind in ("district", "former district") and p.code
            and "E12000002" in p.parents}


def _add_picked() -> None:
    for code in st.session_state.get("cp_pick", []):
        if code not in draft():
            draft().append(code)
    st.session_state["cp_pick"] = []


def _add_pasted() -> None:
    tokens = cpl.split_codes(st.session_state.get("cp_paste", ""))
    members, unknown = cpl.members_of(tokens)
    for m in members:
        if m.code not in draft():
            draft().append(m.code)
    st.session_state["cp_paste_msg"] = (
        f"Added {len(members)} area(s)." + (f" Not recognised: {', '.join(unknown[:8])}"
                                            + (" …" if len(unknown) > 8 else "") + "."
                                            if unknown else ""))
    st.session_state["cp_paste"] = ""


def _sync_members() -> None:
    st.session_state[DRAFT] = list(st.session_state.get("cp_members", []))


def running_total(cp: cpl.CustomPlace) -> None:
    """Residents, LSOAs and Core20 share of the draft, from the one profile function."""
    pr = profile(cp.place, 2019)
    pr25 = profile(cp.place, 2025) if cp.place.lsoa21 else None
    m = st.columns(3)
    m[0].metric("Residents (mid-2015)", f"{pr.population:,}")
    m[1].metric("LSOAs 2011 / 2021", f"{len(cp.place.lsoa11)} / {len(cp.place.lsoa21)}")
    m[2].metric("Core20 share (IoD2019)", pct(pr.core20_share), help=CORE20_DEFINITION)
    if pr25 is not None:
        st.caption(f"IoD2025: {pct(pr25.core20_share)} of {pr25.population:,} residents "
                   f"(Census 2021) in the Core20.")
    for sentence in cp.fit:
        st.caption(sentence)


def builder(key: str = KEY, compact: bool = False) -> cpl.CustomPlace | None:
    """Pick, paste or click areas into a draft place, name it and save it. Returns the
    saved place when the user has just saved one."""
    level = st.selectbox("Add areas of type", list(LEVEL_OPTIONS), format_func=LEVEL_OPTIONS.get,
                         key="cp_level")
    district = None
    if level != "district":
        dists = _nw_districts()
        district = st.selectbox("Within", [None, *sorted(dists, key=dists.get)],
                                format_func=lambda c: "the whole North West" if c is None
                                else dists[c], key="cp_within")
    opts = _options(level, district)
    st.multiselect(f"{LEVEL_OPTIONS[level]}: type a name or code", list(opts),
                   format_func=opts.get, key="cp_pick")
    st.button("Add to the place", on_click=_add_picked, key="cp_add",
              icon=":material/add:")
    if not compact:
        st.text_area("Or paste codes (one per line or comma-separated; any mix of wards, "
                     "LSOAs, MSOAs and districts)", key="cp_paste", height=90,
                     placeholder="e.g. E05011735 (one code or name per line)")
        st.button("Add pasted codes", on_click=_add_pasted, key="cp_add_paste")
        if st.session_state.get("cp_paste_msg"):
            st.caption(st.session_state.pop("cp_paste_msg"))
    codes = draft()
    if not codes:
        st.info("No areas yet: pick or paste some"
                + (", or click areas on the map." if compact else "."),
                icon=":material/add_location:")
        return None
    members, _ = cpl.members_of(codes)
    labels = {m.code: m.label for m in members}
    st.session_state["cp_members"] = [c for c in codes if c in labels]
    st.multiselect("Areas in the place (click × to take one out)", list(labels),
                   format_func=labels.get, key="cp_members", on_change=_sync_members)
    name = st.text_input("Name of the place", key=DRAFT_NAME, max_chars=cpl.MAX_NAME,
                         placeholder="e.g. Grange Park estates")
    try:
        cp = cpl.build(name or "Draft place", members)
    except cpl.CustomPlaceError as exc:
        st.warning(str(exc))
        return None
    running_total(cp)
    if not compact:
        outline(codes)
    cols = st.columns(2)
    if cols[0].button("Save the place", type="primary", key=f"{key}-save",
                      icon=":material/save:", disabled=not cpl.clean_name(name or "")):
        register(cp)
        st.session_state[DRAFT] = []
        st.session_state["cp_last_saved"] = cp.place.id
        st.session_state["cp_saved_msg"] = f"Saved '{cp.place.name}' ({cp.summary})."
        st.rerun()
    if cols[1].button("Clear", key=f"{key}-clear"):
        st.session_state[DRAFT] = []
        st.rerun()
    return None


def saved_list(page_link: bool = True) -> None:
    """The session's saved places: open in Compare or on the map, forget; export/import."""
    if st.session_state.get("cp_saved_msg"):
        st.success(st.session_state.pop("cp_saved_msg"), icon=":material/check:")
    places = list(saved().values())
    if not places:
        st.caption("No custom place yet in this session.")
    for cp in places:
        with st.container(border=True):
            st.markdown(f"**{cp.place.name.replace('*', '')}** · {cp.summary}")
            with st.expander("Definition"):
                st.caption(cp.place.definition.replace("*", ""))
            c = st.columns(2) + st.columns(2)
            if c[0].button("Compare", key=f"cmp-{cp.place.id}", icon=":material/compare_arrows:"):
                st.session_state["compare_add"] = [cp.place.id]
                st.switch_page("pages/compare.py")
            if c[1].button("CORE20PLUS5", key=f"c20-{cp.place.id}",
                           icon=":material/health_and_safety:"):
                from ui.state import widget_key
                st.session_state[widget_key(url_state.PLACES)] = [cp.place.id]
                st.session_state.pop("_url_seeded_page", None)
                st.query_params.from_dict({url_state.PLACES: cp.place.id, KEY: cp.token})
                st.switch_page("pages/core20plus5.py")
            if c[2].button("Map", key=f"map-{cp.place.id}", icon=":material/map:"):
                st.session_state.pop("_url_seeded_page", None)
                st.query_params.from_dict({url_state.REGION: cp.place.id,
                                           url_state.LEVEL: "lsoa", KEY: cp.token})
                st.switch_page("pages/map.py")
            if c[3].button("Forget", key=f"del-{cp.place.id}", icon=":material/delete:"):
                forget(cp.place.id)
                st.rerun()
    if places:
        c = [st.container(), st.container()]
        c[0].download_button("Download these places (YAML)", cpl.export_yaml(places),
                             "custom-places.yaml", mime="application/yaml",
                             on_click="ignore", icon=":material/download:")
        c[1].download_button("Download as CSV of codes", cpl.export_csv(places),
                             "custom-places.csv",
                             mime="text/csv", on_click="ignore", icon=":material/download:")
    # 1 MB: the widget's own limit, shown under it (it said 25 MB, the server's cap, for a
    # file the import refuses above 256 kB with its own message)
    up = st.file_uploader("Load places prepared earlier (YAML or CSV with columns place,code)",
                          type=["yaml", "yml", "csv", "txt"], key="cp_upload",
                          max_upload_size=1,
                          help=f"A file saved from this page, or a CSV with columns place and "
                               f"code; up to {cpl.MAX_FILE_BYTES // 1000} kB.")
    if up is not None and st.session_state.get("cp_upload_done") != up.file_id:
        loaded, messages = cpl.import_file(up.getvalue())
        for cp in loaded:
            register(cp)
        st.session_state["cp_upload_done"] = up.file_id
        st.session_state["cp_upload_msgs"] = (
            [f"Loaded {len(loaded)} place(s) from {up.name[:60]}."] + messages)
        st.rerun()
    for msg in st.session_state.get("cp_upload_msgs", []):
        st.caption(msg)


def member_table(cp: cpl.CustomPlace) -> pd.DataFrame:
    return pd.DataFrame([{"code": m.code, "level": cpl.LEVELS[m.level], "name": m.name}
                         for m in cp.members])


# --------------------------------------------------------------------------------------
# The map's "build a place" mode


def build_mode_toggle() -> bool:
    return st.toggle("Build a place", key=BUILD_MODE,
                     help="Click wards or LSOAs on the map to add them to a place of your "
                          "own (click again to take one out); name and save it below.")


def map_click(code: str | None) -> str | None:
    """In build mode a click adds or removes the area; returns a message for the screen."""
    if not code or not st.session_state.get(BUILD_MODE):
        return None
    member = cpl.identify(code)
    if member is None:
        return f"{code} cannot be part of a custom place."
    what = toggle(member.code)
    return f"{member.label} {what}."


def map_click_event(building: bool) -> str | None:
    """Build mode: the map's newest click (the page's selection) toggles that area in the
    draft, and the selection is cleared so the side panel stays the builder."""
    from ui.state import widget_key

    if not building:
        return None
    event = st.session_state.get("_map_last_event")  # ui/map_view.py's last click
    if event == st.session_state.get("_cp_seen_event"):
        return None
    st.session_state["_cp_seen_event"] = event
    code = st.session_state.get(widget_key(url_state.SELECTION)) or None
    st.session_state[widget_key(url_state.SELECTION)] = ""
    return map_click(code)


def map_builder(message: str | None) -> None:
    """The map page's side panel in build mode: what the last click did, the draft with its
    running total and outline, name and save."""
    st.markdown("**Build a place**: click wards or LSOAs on the map.")
    if message:
        st.caption(message)
    if st.session_state.get("cp_saved_msg"):
        st.success(st.session_state.pop("cp_saved_msg"), icon=":material/check:")
    last = saved().get(st.session_state.get("cp_last_saved", ""))
    if last is not None and st.button(f"Compare {last.place.name}", key="map-compare",
                                      icon=":material/compare_arrows:", type="primary"):
        st.session_state["compare_add"] = [last.place.id]
        st.switch_page("pages/compare.py")
    builder(key="map", compact=True)
    codes = draft()
    if codes:
        outline(codes)


def outline(codes: list[str]) -> None:
    """A small outline map of the draft's LSOAs (2011), so the selection is visible."""
    import altair as alt

    from loaders import snapshot

    members, _ = cpl.members_of(codes)
    try:
        cp = cpl.build("Draft", members)
    except cpl.CustomPlaceError:
        return
    import shapely

    lsoas = cp.place.lsoa11[:600]
    bt = snapshot.geo_table("boundaries_lsoa11")
    shapes = bt[member(bt["code"], lsoas)]
    if shapes.empty:
        return
    # d3 (Vega) wants clockwise exteriors; simplified to keep the spec small
    geoms = shapely.orient_polygons(shapely.simplify(shapes.geometry.to_numpy(), 0.0001),
                                    exterior_cw=True)
    features = [{"type": "Feature", "properties": {"code": c, "name": n},
                 "geometry": shapely.geometry.mapping(g)}
                for c, n, g in zip(shapes["code"], shapes["name"], geoms, strict=True)]
    data = alt.InlineData(values={"type": "FeatureCollection", "features": features},
                          format=alt.DataFormat(property="features", type="json"))
    chart = alt.Chart(data).mark_geoshape(fill="#3b6fb6", fillOpacity=0.35,
                                          stroke="#1b3a66", strokeWidth=0.8).encode(
        tooltip=[alt.Tooltip("properties.name:N", title="LSOA 2011")]).properties(
        height=220, title=f"Your place so far: {len(cp.place.lsoa11)} LSOAs (2011)")
    show_chart(chart.project("mercator"))
