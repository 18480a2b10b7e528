"""Altair builders for the inverse-care-law view: frame -> chart (pure, testable).

Kept beside explorer/charts.py (the compare/indicator charts) and using its title and
configuration helpers, so every chart in the app looks alike.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from explorer.charts import _configure, _title, cached, on_phone, tick_count, wrap
from explorer.palette import NEUTRAL, PLACE_COLOURS
from explorer.provision import QUADRANTS

MAX_POINTS = 2000
MEASURE_COLOURS = {"All payments": PLACE_COLOURS[0], "Payments for care": PLACE_COLOURS[1]}
#: Okabe-Ito: orange for the quadrant that matters most, blue/green/purple for the others.
QUADRANT_COLOURS = {QUADRANTS[0]: "#D55E00", QUADRANTS[1]: "#0072B2",
                    QUADRANTS[2]: "#009E73", QUADRANTS[3]: "#CC79A7"}


#: Finding titles are first broken at this width (then at the charts' title width).
FINDING_CHARS = 64


_MEASURES = (("All payments", "payments_per_weighted_patient"),
             ("Payments for care", "care_payments_per_weighted_patient"))


def _gradient_rows(groups: pd.DataFrame, who: str) -> pd.DataFrame:
    rows = []
    for r in groups.to_dict("records"):
        for measure, key in _MEASURES:
            rows.append({"group": int(r["group"]), "measure": measure, "value": r[key],
                         "label": f"£{r[key]:,.2f}", "practices": int(r["practices"]),
                         "patients": f"{r['registered_patients']:,.0f}", "who": who})
    return pd.DataFrame(rows)


@cached(maxsize=64)
def gradient_bars(groups: pd.DataFrame, title: str, grouping: str,
                  england: float | None = None,
                  england_groups: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """£ per weighted patient by deprivation group: all payments and payments for care.

    For a place other than England, ``england_groups`` (England's practices in each group)
    are drawn as black outlines over the place's bars, so the England figure a finding
    compares with is on the chart, and ``england`` (England, all payments) as a dashed line.
    """
    n = 10 if grouping == "decile" else 5
    data = _gradient_rows(groups, "place")
    x = alt.X("group:O", title=f"National {grouping} (1 = most deprived)",
              scale=alt.Scale(domain=list(range(1, n + 1))), axis=alt.Axis(labelAngle=0))
    offset = alt.XOffset("measure:N", scale=alt.Scale(domain=list(MEASURE_COLOURS)))
    y = alt.Y("value:Q", title="£ per weighted patient")
    tooltip = [alt.Tooltip("group:O", title=grouping.title()),
               alt.Tooltip("measure:N", title="Measure"),
               alt.Tooltip("label:N", title="£ per weighted patient"),
               alt.Tooltip("practices:Q", title="Practices"),
               alt.Tooltip("patients:N", title="Registered patients")]
    bars = alt.Chart(data).mark_bar().encode(
        x=x, xOffset=offset, y=y,
        color=alt.Color("measure:N", title=None,
                        scale=alt.Scale(domain=list(MEASURE_COLOURS),
                                        range=list(MEASURE_COLOURS.values())),
                        legend=alt.Legend(orient="top")),
        tooltip=tooltip)
    layers: list = [bars]
    subtitle = "Bars: payments ÷ Carr-Hill weighted patients over the group's practices"
    if england_groups is not None and not england_groups.empty:
        eng_rows = _gradient_rows(england_groups, "England")
        layers.append(alt.Chart(eng_rows).mark_bar(
            filled=False, stroke="black", strokeWidth=2).encode(
            x=x, xOffset=offset, y=y,
            tooltip=[alt.Tooltip("who:N", title="Practices in"), *tooltip]))
        subtitle += "; black outlines: England's practices in the same group"
    if england is not None:
        eng = alt.Chart(pd.DataFrame({"y": [england], "t": [f"England £{england:,.2f}"]}))
        layers += [eng.mark_rule(strokeDash=[6, 4], size=2, color="black").encode(y=alt.Y("y:Q")),
                   eng.mark_text(align="left", dx=4, dy=-8, fontWeight="bold").encode(
                       y=alt.Y("y:Q"), x=alt.XValue(0), text=alt.Text("t:N"))]
        subtitle += "; dashed line: England, all payments"
    chart = alt.layer(*layers, title=_title(wrap(title, FINDING_CHARS), subtitle + "."),
                      height=360, width="container")
    return _configure(chart)


@cached(maxsize=64)
def gap_lines(trend: pd.DataFrame, title: str) -> alt.TopLevelMixin:
    """Most minus least deprived group, £ per weighted patient, each year."""
    rows = []
    for r in trend.to_dict("records"):
        for measure, key in (("All payments", "gap_per_weighted"),
                             ("Payments for care", "gap_care_per_weighted")):
            if r[key] is None or pd.isna(r[key]):
                continue
            rows.append({"year": r["year"], "measure": measure, "gap": r[key],
                         "label": f"£{r[key]:+,.2f}"})
    data = pd.DataFrame(rows, columns=["year", "measure", "gap", "label"])
    base = alt.Chart(data).encode(
        x=alt.X("year:O", title="Financial year", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("gap:Q", title="Gap, £ per weighted patient"),
        color=alt.Color("measure:N", title=None,
                        scale=alt.Scale(domain=list(MEASURE_COLOURS),
                                        range=list(MEASURE_COLOURS.values())),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("label:N", title="Gap")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=NEUTRAL).encode(y=alt.Y("y:Q"))
    chart = alt.layer(
        zero, base.mark_line(strokeWidth=3), base.mark_point(filled=True, size=70),
        title=_title(wrap(title, FINDING_CHARS),
                     "Below zero: the most deprived group receives less per weighted "
                     "patient than the least deprived."),
        height=320, width="container")
    return _configure(chart)


#: at most 2,000 points each: a few hundred kB of spec
@cached(maxsize=16)
def quadrant_scatter(q: pd.DataFrame, title: str, need_median: float,
                     resource_median: float,
                     resource_range: tuple[float, float] | None = None) -> alt.TopLevelMixin:
    """One point per practice: need (IMD) against resource (£ per weighted patient).

    Above :data:`MAX_POINTS` practices (England) the points would be an unreadable blot and
    a slow chart, so the practices are counted in a 2-D grid instead (same axes, medians
    and quadrant labels); the table twin still lists every practice.
    """
    data = pd.DataFrame({
        "practice_code": q["practice_code"].astype(str),
        "name": q["display_name"].astype(str),
        "pcn": q["pcn_name"].fillna("–").astype(str),
        "quadrant": q["quadrant"].astype(str),
        "imd_score": q["imd_score"].astype(float).round(2),
        "per_weighted": q["per_weighted"].astype(float).round(2),
        "care": q["care_per_weighted"].astype(float).round(2),
        "registered": q["registered"].astype(float).round(0),
        "share": q["share"].astype(float).round(3),
    })
    lo_x = min(float(data["imd_score"].min()), need_median)
    hi_x = max(float(data["imd_score"].max()), need_median)
    lo_y = min(float(data["per_weighted"].min()), resource_median)
    hi_y = max(float(data["per_weighted"].max()), resource_median)
    if resource_range is not None:  # keep extreme outliers from flattening the view
        lo_y = max(lo_y, min(resource_range[0], resource_median))
        hi_y = min(hi_y, max(resource_range[1], resource_median))
    outside = int(((data["per_weighted"] < lo_y) | (data["per_weighted"] > hi_y)).sum())
    big = len(data) > MAX_POINTS
    pad_x, pad_y = (hi_x - lo_x) * 0.06 + 1, (hi_y - lo_y) * 0.08 + 5
    xs = alt.Scale(domain=[max(0.0, lo_x - pad_x), hi_x + pad_x], nice=False)
    ys = alt.Scale(domain=[max(0.0, lo_y - pad_y), hi_y + pad_y], nice=False)
    x_title = "Need: practice IMD score (higher = more deprived)"
    x_axis = alt.Axis(tickCount=tick_count())
    y_title = "£ per weighted patient"
    if big:
        counts = data.assign(
            bx=(data["imd_score"] // 2) * 2,
            by=(data["per_weighted"] // 5) * 5,
        )[lambda d: d["per_weighted"].between(lo_y, hi_y)].groupby(
            ["bx", "by"], as_index=False).size()
        counts = counts.assign(bx2=counts["bx"] + 2, by2=counts["by"] + 5)
        points = alt.Chart(counts).mark_rect(clip=True).encode(
            x=alt.X("bx:Q", title=x_title, scale=xs, axis=x_axis), x2="bx2:Q",
            y=alt.Y("by:Q", title=y_title, scale=ys), y2="by2:Q",
            color=alt.Color("size:Q", title="Practices", scale=alt.Scale(scheme="viridis",
                                                                           reverse=True)),
            tooltip=[alt.Tooltip("bx:Q", title="IMD score from"),
                     alt.Tooltip("by:Q", title="£ per weighted patient from"),
                     alt.Tooltip("size:Q", title="Practices")])
        subtitle = ("Cells: number of practices (IMD 2 points × £5). Dashed lines: England "
                    "practice medians.")
    else:
        drawn = data[data["per_weighted"].between(lo_y, hi_y)]
        points = alt.Chart(drawn).mark_circle(opacity=0.75, stroke="black", strokeWidth=0.5,
                                              clip=True).encode(
            x=alt.X("imd_score:Q", title=x_title, scale=xs, axis=x_axis),
            y=alt.Y("per_weighted:Q", title=y_title, scale=ys),
            size=alt.Size("registered:Q", title="Registered patients",
                          # a phone's chart has a fifth of the area: smaller points, or
                          # 1,003 practices cover each other
                          scale=alt.Scale(range=[on_phone(8, 30), on_phone(150, 600)]),
                          legend=None),
            color=alt.Color("quadrant:N", title=None,
                            scale=alt.Scale(domain=list(QUADRANT_COLOURS),
                                            range=list(QUADRANT_COLOURS.values())),
                            legend=None),  # the corners name and colour the quadrants
            tooltip=[alt.Tooltip("name:N", title="Practice"),
                     alt.Tooltip("practice_code:N", title="Code"),
                     alt.Tooltip("pcn:N", title="PCN"),
                     alt.Tooltip("quadrant:N", title="Quadrant"),
                     alt.Tooltip("imd_score:Q", title="Practice IMD score", format=".1f"),
                     alt.Tooltip("per_weighted:Q", title="£ per weighted patient",
                                 format=",.2f"),
                     alt.Tooltip("care:Q", title="Care £ per weighted patient",
                                 format=",.2f"),
                     alt.Tooltip("registered:Q", title="Registered patients", format=",.0f"),
                     alt.Tooltip("share:Q", title="List living in the place", format=".0%")])
        subtitle = ("Dashed lines: England practice medians. Point size: registered "
                    "patients; colour: quadrant (named in its corner).")
    rules = alt.Chart(pd.DataFrame({"x": [need_median]})).mark_rule(
        strokeDash=[6, 4], color=NEUTRAL).encode(x=alt.X("x:Q", scale=xs))
    hrule = alt.Chart(pd.DataFrame({"y": [resource_median]})).mark_rule(
        strokeDash=[6, 4], color=NEUTRAL).encode(y=alt.Y("y:Q", scale=ys))
    x0, x1 = xs.domain
    y0, y1 = ys.domain
    corners = pd.DataFrame([
        {"x": x1, "y": y0, "t": QUADRANTS[0], "a": "right", "b": "bottom"},
        {"x": x1, "y": y1, "t": QUADRANTS[1], "a": "right", "b": "top"},
        {"x": x0, "y": y0, "t": QUADRANTS[2], "a": "left", "b": "bottom"},
        {"x": x0, "y": y1, "t": QUADRANTS[3], "a": "left", "b": "top"},
    ])
    corners["colour"] = corners["t"].map(QUADRANT_COLOURS)
    labels = []
    for a in ("left", "right"):
        for b in ("top", "bottom"):
            part = corners[(corners["a"] == a) & (corners["b"] == b)]
            sign = 1 if a == "left" else -1
            dy = 10 if b == "top" else -10
            pos = {"x": alt.X("x:Q", scale=xs), "y": alt.Y("y:Q", scale=ys)}
            labels.append(alt.Chart(part).mark_point(
                filled=True, size=120, opacity=0.9, stroke="black", strokeWidth=0.5,
                xOffset=sign * 12, yOffset=dy).encode(
                **pos, color=alt.Color("colour:N", scale=None)))
            labels.append(alt.Chart(part).mark_text(
                align=a, baseline="middle", dx=sign * 22, dy=dy, fontWeight="bold",
                # two corner names share a row: smaller on a phone, and never past the
                # middle (at 390 px "Low need, high resource" ran into "High need, …")
                fontSize=on_phone(10, 12),
                # and on two lines there ("Low need" over "high resource"): on one line a
                # phone cut every name to "Low need, high re…"
                lineBreak=on_phone("', '", "''"),
                limit={"expr": "max(60, width / 2 - 30)"},
                color=NEUTRAL).encode(**pos, text=alt.Text("t:N")))
    if outside:
        subtitle = [subtitle, f"{outside} practice{'s' if outside != 1 else ''} outside the "
                    "£ range drawn (England's 1st-99th percentiles) listed in the table."]
    chart = alt.layer(
        points, rules, hrule, *labels,
        title=_title(wrap(title, FINDING_CHARS), subtitle), height=440, width="container")
    return _configure(chart)
