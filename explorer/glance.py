"""The North West at a glance: Fingertips' overview "tartan rug".

Every North West district as a column, every registry indicator (by sex where published
by sex) as a row, each cell the latest value compared with England and the recent-trend
marker. Every number is a period of :func:`explorer.trends.place_series`, i.e. the
Compare page's :func:`explorer.indicators.indicator_for_place`. No Streamlit here.
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from explorer import indicators, trends
from explorer.overview import districts_of_vintage
from explorer.places import Place, registry
from explorer.stats import trends as stats

NW_CODE = "E12000002"
#: District sets: 2019 (39, the former Cumbrian districts) or 2024 (35).
VINTAGES = {2019: "39 districts of 2019", 2024: "35 districts of 2024"}
GROUPINGS = {"marmot": "Marmot principle", "core20plus5": "CORE20PLUS5 area"}
FILTERS = {"all": "All cells", "worse": "Worse than England",
           "worsening": "Worse than England and getting worse"}
#: Text symbols for the comparison, the same shapes as the trend chart's points.
SYMBOLS = {"better": "▲", "similar": "●", "worse": "▼", "higher": "△", "lower": "▽",
           "not compared": "○"}
TREND_ARROWS = {
    stats.INCREASING_BETTER: "↑", stats.INCREASING_WORSE: "↑", stats.INCREASING: "↑",
    stats.DECREASING_BETTER: "↓", stats.DECREASING_WORSE: "↓", stats.DECREASING: "↓",
    stats.NO_CHANGE: "→", stats.CANNOT: "",
}


def nw_districts(vintage: int = 2019) -> list[Place]:
    """North West districts of the vintage, in the registry's order."""
    lookup = 2019 if vintage == 2019 else 2025
    # membership by LSOAs, not by the parent code (Cumberland and Westmorland and
    # Furness, new in 2023, carry none)
    region = set(registry().get("north-west").lsoas(lookup))
    return [p for p in districts_of_vintage(lookup)
            if NW_CODE in p.parents or (p.lsoas(lookup) and set(p.lsoas(lookup)) <= region)]


def rows() -> list[tuple[str, str]]:
    """(indicator id, sex) rows: Persons where published, else Male and Female, for
    indicators that give district values."""
    out = []
    for ind, m in indicators.registry().items():
        if m.geographies and not ({"district", "any", "lsoa", "msoa"} & set(m.geographies)):
            continue
        avail = indicators.sexes(ind)
        wanted = ["Persons"] if "Persons" in avail else [s for s in ("Male", "Female")
                                                         if s in avail]
        out += [(ind, s) for s in wanted]
    return out


_AREA_SHORT = {"core20": "Core20", "plus": "PLUS", "maternity": "Maternity",
               "smi": "SMI", "respiratory": "Respiratory", "cancer": "Cancer",
               "hypertension": "Hypertension"}


def _group(m: indicators.IndicatorMeta, grouping: str) -> tuple[int, str, str]:
    """(order, short label for the grid, full label for the legend)."""
    if grouping == "core20plus5":
        described = indicators.registry().core20plus5_areas
        areas = list(described)
        if m.core20plus5 in areas:
            key = m.core20plus5
            return (areas.index(key), _AREA_SHORT.get(key, key), described[key])
        return len(areas), "Other", "Not assigned to a CORE20PLUS5 area"
    if m.marmot_principle is not None:
        return (m.marmot_principle, f"P{m.marmot_principle}",
                f"P{m.marmot_principle}: "
                f"{indicators.registry().marmot_principles.get(m.marmot_principle)}")
    return 99, "Other", "Not assigned to a Marmot principle"


def group_legend(c: pd.DataFrame) -> list[str]:
    """The full names of the groups present, in order."""
    g = c.drop_duplicates("group")[["group_order", "group_full"]].sort_values("group_order")
    return list(g["group_full"])


@functools.lru_cache(maxsize=4)
def cells(vintage: int = 2019) -> pd.DataFrame:
    """One row per district × indicator × sex: latest value, comparison, trend marker.

    Cached for the process (the numbers are the snapshot's); the first call does the
    work for every session.
    """
    out = []
    places = nw_districts(vintage)
    for ind, sex in rows():
        m = indicators.meta(ind)
        latest = indicators.latest_period(ind, sex)
        for p in places:
            r = trends.latest_point(p, ind, sex, latest)
            t = trends.recent_trend(p, ind, sex)
            out.append({
                "indicator_id": ind, "sex": sex, "name": m.short_name or m.name,
                "unit": m.unit, "place_id": p.id, "place": p.name,
                "period": None if r is None else r["period"],
                "value": None if r is None else r["value"],
                "compared_to_england": "not compared" if r is None
                else r["compared_to_england"],
                "england_value": None if r is None else r["england_value"],
                "geography_used": None if r is None else r["geography_used"],
                "borrowed": r is not None and not str(r["geography_used"] or "").startswith(
                    p.name),
                "recent_trend": t.marker, "recent_trend_reason": t.reason,
            })
    return pd.DataFrame(out)


def short_value(x: float | None, unit: str) -> str:
    """Compact cell text: three significant figures, thousands as k."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    a = abs(x)
    if a >= 10000:
        return f"{x / 1000:.0f}k"
    if a >= 1000:
        return f"{x / 1000:.1f}k"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cell_text(c: pd.Series) -> str:
    if c["value"] is None or pd.isna(c["value"]):
        return "–"
    sym = SYMBOLS.get(str(c["compared_to_england"]), "○")
    arrow = TREND_ARROWS.get(str(c["recent_trend"]), "")
    star = "*" if c.get("borrowed") else ""
    return f"{sym} {short_value(c['value'], c['unit'])}{star}{(' ' + arrow) if arrow else ''}"


def keep(c: pd.DataFrame, how: str) -> pd.Series:
    """Cells passing the filter: all, worse than England, or worse and getting worse."""
    worse = c["compared_to_england"] == "worse"
    if how == "worse":
        return worse
    if how == "worsening":
        return worse & c["recent_trend"].isin([stats.INCREASING_WORSE,
                                               stats.DECREASING_WORSE])
    return pd.Series(True, index=c.index)


def rug(vintage: int = 2019, grouping: str = "marmot", how: str = "all",
        sort: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, cells) for the page: table rows are indicators (with group, England value),
    columns are districts, each cell its text; filtered cells are blank and rows with no
    cell left are dropped. ``sort`` = a place id sorts rows within groups by its value."""
    c = cells(vintage).copy()
    c["text"] = [cell_text(r) for _, r in c.iterrows()]
    c["shown"] = keep(c, how)
    c.loc[~c["shown"], "text"] = ""
    metas = {ind: indicators.meta(ind) for ind in c["indicator_id"].unique()}
    c["group_order"], c["group"], c["group_full"] = zip(
        *[_group(metas[i], grouping) for i in c["indicator_id"]], strict=True)
    c["row"] = [f"{n} ({s.lower()})" if s != "Persons" else n
                for n, s in zip(c["name"], c["sex"], strict=True)]
    places = list(dict.fromkeys(c["place"]))
    key = ["group_order", "group", "row", "indicator_id", "sex", "unit"]
    table = c.pivot_table(index=key, columns="place", values="text", aggfunc="first",
                          sort=False)[places].reset_index()
    eng = c.groupby(["indicator_id", "sex"])["england_value"].first()
    period = c.groupby(["indicator_id", "sex"])["period"].agg(
        lambda s: s.dropna().mode().iloc[0] if s.notna().any() else None)
    table["England"] = [short_value(eng.get((i, s)), "") for i, s in
                        zip(table["indicator_id"], table["sex"], strict=True)]
    table["Period"] = [period.get((i, s)) for i, s in
                       zip(table["indicator_id"], table["sex"], strict=True)]
    shown = c.groupby(["indicator_id", "sex"])["shown"].any()
    table = table[[bool(shown.get((i, s))) and how != "all" or how == "all"
                   for i, s in zip(table["indicator_id"], table["sex"], strict=True)]]
    sort_cols = ["group_order"]
    if sort and sort in set(c["place_id"]):
        vals = c[c["place_id"] == sort].set_index(["indicator_id", "sex"])["value"]
        table = table.assign(_v=[vals.get((i, s)) for i, s in
                                 zip(table["indicator_id"], table["sex"], strict=True)])
        table = table.sort_values(["group_order", "_v"], ascending=[True, False],
                                  na_position="last", kind="stable").drop(columns="_v")
    else:
        table = table.sort_values(sort_cols + ["row"], kind="stable")
    return table.reset_index(drop=True), c


def counts(c: pd.DataFrame) -> dict[str, int]:
    """Headline numbers for the finding title."""
    have = c[c["value"].notna()]
    worse = have["compared_to_england"] == "worse"
    worsening = keep(have, "worsening")
    return {"cells": len(have), "worse": int(worse.sum()), "worsening": int(worsening.sum())}
