"""Compare places side by side: deprivation profile, domains, indicators, what good looks like."""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from explorer.charts import decile_stack, domain_dots, indicator_forest, pct
from explorer.compare import (
    best_in,
    core20_gap,
    decile_rows,
    domain_finding,
    domain_rows,
    indicator_frame,
    place_indicator_rows,
    summary_sentences,
    what_good_looks_like,
)
from explorer.overview import districts_of_vintage
from explorer.places import DEFAULT_COMPARISON, registry
from explorer.profile import CORE20_DEFINITION, profile
from explorer.upload import indicator_row
from loaders import snapshot
from ui import exports, tables
from ui.charts import show as show_chart
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.user_data import user_indicators
from ui.widgets import PLACE_KINDS, place_label, place_options, resolve

require_app_frame()

PAGE = "compare"
CONFIDENCE = {"95": 0.95, "99.8": 0.998}


def _valid_places(ids: list[str]) -> list[str]:
    known = set(place_options(PLACE_KINDS)) | set(st.session_state.get("custom_places", {}))
    bad = [i for i in ids if i not in known]
    good = [i for i in ids if i in known]
    if bad:
        names = []
        for b in bad:
            sug = registry().suggest(b, 3)
            names.append(f"'{b}'" + (f" (did you mean {', '.join(sug)}?)" if sug else ""))
        st.session_state["_compare_bad"] = (
            f"Unknown place(s) in the link: {', '.join(names)}. Showing the others.")
    if not good:
        raise url_state.InvalidValue("no known place")
    return good


st.session_state.pop("_compare_bad", None)
seed(PAGE, validators={"p": _valid_places,
                       "ci": url_state.choice(CONFIDENCE, "confidence level")},
     defaults={"p": list(DEFAULT_COMPARISON), "ci": "95"})
# a place sent here by another page (map "Compare" button)
for pid in st.session_state.pop("compare_add", []):
    current = st.session_state.get(widget_key("p"), [])
    if pid not in current:
        st.session_state[widget_key("p")] = [*current, pid][-4:]

st.title("Compare places")
show_messages()
if "_compare_bad" in st.session_state:
    st.warning(st.session_state["_compare_bad"], icon=":material/travel_explore:")

with guard("The comparison"):
    top = st.columns([4, 1, 1])
    ids = top[0].multiselect(
        "Places (two to four)", place_options(PLACE_KINDS)
        + list(st.session_state.get("custom_places", {})), key=widget_key("p"),
        format_func=place_label, max_selections=4,
        help="Towns are sets of wards or built-up areas; former districts are the pre-2023 "
             "Cumbrian districts. Type to search.")
    conf_key = top[1].radio("Confidence", list(CONFIDENCE), key=widget_key("ci"),
                            format_func=lambda k: f"{k}%", horizontal=True)
    publish({"p": ids, "ci": conf_key})
    with top[2]:
        copy_link(PAGE, {"p": ids, "ci": conf_key})
    if not ids:
        st.info("Choose at least one place to see its profile.")
        st.stop()
    places = [resolve(i) for i in ids]
    confidence = CONFIDENCE[conf_key]
    england = profile(registry().get("england"), 2019)
    profiles = [profile(p, 2019) for p in places]
    ind_rows = [r for p in places for r in place_indicator_rows(p, confidence)]
    ind_rows += [indicator_row(u, p, confidence) for u in user_indicators() for p in places]

    st.subheader("In brief")
    for sentence in summary_sentences(profiles, england, ind_rows):
        st.markdown(f"- {sentence}")

    st.subheader("Residents in England's most deprived 20% of neighbourhoods (Core20)")
    cols = st.columns(len(profiles) + 1)
    for col, pr in zip(cols, profiles, strict=False):
        col.metric(pr.name, pct(pr.core20_share), help=pr.definition)
        col.caption(f"{pr.core20_population:,} of {pr.population:,} residents")
    cols[-1].metric("England", pct(england.core20_share))
    cols[-1].caption(f"{england.core20_population:,} of {england.population:,}")
    st.caption(f"{CORE20_DEFINITION}. IoD2019, populations mid-2015. "
               f"{snapshot.caption('iod2019_lsoa11')}")

with guard("The deprivation profile"):
    st.subheader("Residents by national deprivation decile")
    tabs = st.tabs(["IoD2019 (LSOA 2011)", "IoD2025 (LSOA 2021)"])
    for tab, vintage in zip(tabs, (2019, 2025), strict=True):
        with tab:
            vplaces = [p for p in places if p.lsoas(vintage)]
            skipped = [p.name for p in places if not p.lsoas(vintage)]
            if skipped:
                st.info(f"No IoD{vintage} definition for {', '.join(skipped)}.")
            if not vplaces:
                continue
            vprofs = [profile(p, vintage) for p in vplaces]
            rows = decile_rows(vprofs)
            most = max(vprofs, key=lambda pr: pr.decile_population[0] / max(pr.population, 1))
            title = (f"{most.name} has the largest share of residents in the most deprived "
                     f"decile ({most.decile_population[0] / max(most.population, 1):.0%})")
            chart = decile_stack(rows, vintage, title)
            show_chart(chart)
            src = snapshot.caption(f"iod{vintage}_lsoa{'11' if vintage == 2019 else '21'}")
            pop_note = vprofs[0].population_source
            approx = " LSOA 2021 sets of towns and wards are approximated from LSOA 2011." \
                if vintage == 2025 else ""
            st.caption(f"Share of residents by national IMD decile (1 = most deprived). "
                       f"Populations: {pop_note}.{approx} {src}")
            twin = rows.pivot(index="place", columns="decile", values="population")
            twin.columns = [f"Decile {c}" for c in twin.columns]
            twin = twin.reset_index().rename(columns={"place": "Place"})
            with st.expander("Table"):
                tables.show(twin, tables.same_columns(twin.columns[1:], tables.INT),
                            label=title, caption="Residents by national IMD decile "
                            "(1 = most deprived).")
            exports.downloads(f"deciles-iod{vintage}", twin, title, [src], PAGE,
                              {"p": ids}, chart=chart)

with guard("The domains"):
    st.subheader("Domains of deprivation")
    drows = domain_rows(profiles, places)
    title = domain_finding(drows)
    chart = domain_dots(drows, 2019, title)
    show_chart(chart)
    st.caption("Population-weighted domain score of each place, placed at its national "
               "percentile among LSOA scores. District ranks (1 = most deprived of 317) in the "
               f"table. {snapshot.caption('iod2019_lsoa11')}")
    twin = drows.rename(columns={"place": "Place", "domain": "Domain", "score": "Score",
                                 "percentile": "National percentile",
                                 "district_rank": "District rank"}).drop(
        columns=["domain_key", "districts"])
    with st.expander("Table"):
        tables.show(twin, {"Score": tables.num(3), "National percentile": tables.num(0),
                           "District rank": tables.RANK}, label=title)
    exports.downloads("domains-iod2019", twin, title, [snapshot.caption("iod2019_lsoa11")],
                      PAGE, {"p": ids}, chart=chart)

with guard("The indicators"):
    st.subheader("Indicators compared with England")
    frame = indicator_frame(ind_rows)
    label = f"{conf_key}%"
    plot = frame[frame["value"].notna() & (frame["unit"] == "%")]
    if not plot.empty:
        worst = plot[plot["compared_to_england"] == "worse"]
        title = (f"{len(worst)} of {len(plot)} place–indicator values are significantly worse "
                 f"than England ({label} CI)")
        chart = indicator_forest(plot, title, label)
        show_chart(chart)
    table = frame[["name", "place", "period", "value_display", "ci_display", "count",
                   "denominator", "england_display", "compared_to_england", "geography_used",
                   "note"]].rename(columns={
                       "name": "Indicator", "place": "Place", "period": "Period",
                       "value_display": "Value", "ci_display": f"{label} CI",
                       "count": "Count", "denominator": "Denominator",
                       "england_display": "England",
                       "compared_to_england": "Compared with England",
                       "geography_used": "Geography used", "note": "Note"})
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Count": st.column_config.NumberColumn(format="%.0f"),
        "Denominator": st.column_config.NumberColumn(format="%.0f")})
    export = frame[["indicator_id", "name", "place", "period", "unit", "value", "lower_ci",
                    "upper_ci", "count", "denominator", "england_value",
                    "compared_to_england", "geography_used", "note", "source"]]
    st.caption(f"Wilson score {label} confidence intervals (PHStatsMethods). 'Similar': "
               "England's value lies inside the place's interval; otherwise better or worse by "
               "the indicator's polarity (Fingertips method). Values are never estimated for "
               "places where the data do not allow it.")
    exports.downloads("indicators", export, "Indicators compared with England (percentages "
                      "as fractions)",
                      sorted(set(frame["source"])), PAGE, {"p": ids, "ci": conf_key},
                      chart=chart if not plot.empty else None)

with guard("What good looks like"):
    st.subheader("What does good look like?")
    nw = registry().get("north-west")
    nw_prof = profile(nw, 2019)
    nw_districts = [p for p in districts_of_vintage(2019) if "E12000002" in p.parents]
    best, best_prof = best_in(nw_districts)
    st.markdown(f"**Best in the North West:** {best.label}, {pct(best_prof.core20_share)} of "
                f"residents in the Core20. **North West average:** "
                f"{pct(nw_prof.core20_share)}. **England:** {pct(england.core20_share)}.")
    for pr in profiles:
        gap = core20_gap(pr, nw_prof.core20_share)
        if gap:
            st.markdown(f"- **{pr.name}** would need **{gap:,} fewer residents** in the most "
                        "deprived quintile to match the North West average "
                        f"({pct(pr.core20_share)} now).")
        else:
            st.markdown(f"- **{pr.name}** already has a Core20 share at or below the North "
                        f"West average ({pct(pr.core20_share)}).")
    good = what_good_looks_like(ind_rows)
    if not good.empty:
        st.markdown("**Indicator by indicator**: the best North West district on its own "
                    "figures, and the gap to it.")
        st.dataframe(good, hide_index=True, width="stretch")
        exports.downloads("what-good-looks-like", good,
                          "What good looks like: best North West district by indicator",
                          sorted(set(indicator_frame(ind_rows)["source"])), PAGE,
                          {"p": ids, "ci": conf_key})
    st.caption(f"Core20: IoD2019. {snapshot.caption('iod2019_lsoa11')} The best district is "
               "chosen by the indicator's polarity among North West districts with their own "
               "published or computed value; gaps in people use the place's denominator.")
