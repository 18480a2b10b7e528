"""Every period of an indicator for a place, with Fingertips' recent-trend marker.

One number, one path: each period's value, interval and comparison with England come
from :func:`explorer.indicators.indicator_for_place` (the function the Compare page uses);
this module only lines the periods up, decides whether the latest five qualify for a
trend test (independent, consecutive, yearly) and hands them to
:mod:`explorer.stats.trends`. Charts are pure Altair builders. No Streamlit here.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from explorer import indicators
from explorer.charts import PHONE, WIDE, cached, configured
from explorer.palette import COMPARISON_COLOURS, NEUTRAL
from explorer.places import Place, registry
from explorer.stats import trends as stats
from explorer.values import published_label_without_limits

ENGLAND = "england"
REGION = "north-west"
NW_CODE = "E12000002"

#: Point shapes by comparison, so colour is never the only cue.
COMPARISON_SHAPES = {
    "better": "triangle-up", "worse": "triangle-down", "similar": "circle",
    "higher": "triangle-up", "lower": "triangle-down", "not compared": "square",
}
ARROWS = {1: "↑", -1: "↓", 0: "→"}
#: Line colours for places, kept apart from the comparison fills (blue, amber, orange):
#: Okabe-Ito green, reddish purple, and two dark tones; each line is also labelled.
TREND_PLACE_COLOURS = ("#009E73", "#CC79A7", "#5B3A8E", "#6B4E16", "#000000")
_QUARTER = re.compile(r"\bQ[1-4]\b")

COLUMNS = ["place_id", "place", "period", "order", "value", "lower_ci", "upper_ci",
           "ci_level", "count", "denominator", "england_value", "compared_to_england",
           "comparison_basis", "geography_used", "note"]
#: :func:`trend_frame`'s columns: the series', then each place's marker and role.
FRAME_COLUMNS = [*COLUMNS, "recent_trend", "recent_trend_reason", "trend_method", "sex", "role"]


@dataclass(frozen=True)
class PeriodInfo:
    """How a period label sits in time: first year, last year (from the store)."""

    label: str
    start: int
    end: int

    @property
    def span(self) -> int:
        return self.end - self.start + 1


@functools.cache
def period_info(indicator_id: str) -> tuple[PeriodInfo, ...]:
    """Every period of the indicator in time order, with its first and last year."""
    v = indicators.values(indicator_id)
    p = v[["period", "period_start", "period_sort"]].drop_duplicates("period")
    by_label = {str(r.period): PeriodInfo(str(r.period), int(r.period_start),
                                          int(r.period_sort) // 100)
                for r in p.itertuples(index=False)}
    return tuple(by_label[label] for label in indicators.periods(indicator_id)
                 if label in by_label)


def default_sex(indicator_id: str) -> str:
    avail = indicators.sexes(indicator_id)
    return avail[0] if avail else "Persons"


def _place(place: Place | str) -> Place:
    return place if isinstance(place, Place) else registry().resolve(place)


def series_labels(indicator_id: str, sex: str) -> tuple[str, ...]:
    """Period labels published for this sex, in time order."""
    return _labels_cached(str(indicator_id), sex)


@functools.lru_cache(maxsize=1024)
def _labels_cached(indicator_id: str, sex: str) -> tuple[str, ...]:
    return tuple(p.label for p in period_info(indicator_id)
                 if sex in indicators.sexes(indicator_id, p.label))


def place_series(place: Place | str, indicator_id: str, sex: str | None = None,
                 ) -> pd.DataFrame:
    """One row per published period of the indicator (value None where the place has none)."""
    p = _place(place)
    sex = sex or default_sex(indicator_id)
    return pd.DataFrame(_points(p, str(indicator_id), sex), columns=COLUMNS)


def _points(p: Place, indicator_id: str, sex: str) -> list[dict]:
    """:func:`place_series`' rows as the point dicts they are made of (shared memo entries:
    read, never change them)."""
    return [_point(p, indicator_id, sex, label) for label in series_labels(indicator_id, sex)]


def _point(p: Place, indicator_id: str, sex: str, period: str) -> dict:
    """One period's value for a place: built-in places are memoised for the process."""
    if p.id in registry() and registry().get(p.id) is p:
        return _point_cached(p.id, indicator_id, sex, period)
    return _point_of(p, indicator_id, sex, period)


#: ~1 KB a point: 16,384 points (~16 MB) hold about 200 four-place charts of 20 periods;
#: 131,072 could grow to ~130 MB in a long-running server
@functools.lru_cache(maxsize=1 << 14)
def _point_cached(place_id: str, indicator_id: str, sex: str, period: str) -> dict:
    return _point_of(registry().get(place_id), indicator_id, sex, period)


def _point_of(p: Place, indicator_id: str, sex: str, period: str) -> dict:
    pv = indicators.indicator_for_place(p, indicator_id, period=period, sex=sex)
    ci = pv.lower_ci is not None and pv.upper_ci is not None
    order = {x.label: i for i, x in enumerate(period_info(indicator_id))}
    return {
        "place_id": p.id, "place": p.name, "period": period, "order": order.get(period),
        "value": pv.value, "lower_ci": pv.lower_ci, "upper_ci": pv.upper_ci,
        "ci_level": "95%" if ci else None, "count": pv.count,
        "denominator": pv.denominator, "england_value": pv.england_value,
        "compared_to_england": pv.compared_to_england,
        "comparison_basis": pv.comparison_basis, "geography_used": pv.geography_used,
        "note": pv.geography_note,
    }


def intervals_note(frame: pd.DataFrame, indicator_id: str) -> str:
    """What the chart's bars are, and what decided a point's comparison where there is no
    bar: life expectancy's district series carry OHID's "compared to England" labels but
    not their limits, and a chart promising bars it does not draw read as an error. The
    level is the indicator's (OHID compares QOF prevalence at 99.8%)."""
    level = f"{indicators.meta(indicator_id).compare_confidence:g}%"
    judged_bare = [published_label_without_limits(b, lo, c) for b, lo, c in zip(
        frame["comparison_basis"], frame["lower_ci"], frame["compared_to_england"],
        strict=True)]
    has_bars = bool(frame["lower_ci"].notna().any())
    if not any(judged_bare):
        return "Bars: 95% confidence intervals where published or computed."
    if not has_bars:
        return ("No bars: the published data carry no limits; each comparison is OHID's own "
                f"({level}).")
    return ("Bars: 95% confidence intervals where published or computed; a point without a "
            f"bar is OHID's own comparison ({level}), its limits not in the published data.")


def latest_point(place: Place | str, indicator_id: str, sex: str,
                 period: str | None = None) -> dict | None:
    """The place's value in ``period`` (default: the indicator's latest), or in its own
    latest period with a value when it has none then (e.g. a former district)."""
    p = _place(place)
    labels = series_labels(indicator_id, sex)
    period = period or indicators.latest_period(indicator_id, sex)
    if period in labels:
        r = _point(p, str(indicator_id), sex, period)
        if not pd.isna(r["value"]):
            return r
        labels = labels[: labels.index(period)]
    for lab in reversed(labels):
        r = _point(p, str(indicator_id), sex, lab)
        if not pd.isna(r["value"]):
            return r
    return None


def _empty(r: dict) -> bool:
    return bool(pd.isna(r["value"]) and pd.isna(r["count"]))


_REASONS = {
    "overlap": "Periods overlap (rolling or pooled years), so the points are not "
               "independent.",
    "quarter": "Periods are quarters or cumulative quarters (Fingertips tests yearly "
               "periods only).",
    "gap": "The latest five periods are not consecutive (a break in the series).",
}


def recent_trend(place: Place | str, indicator_id: str, sex: str | None = None,
                 series: pd.DataFrame | Sequence[dict] | None = None) -> stats.TrendResult:
    """Fingertips' recent-trend marker for the place's latest five periods.

    The place's series ends at its latest period with a value (a former district's ends
    in 2022); within it, only periods as long as the latest count (single years and
    pooled years are separate series), and a missing value among the latest five means
    the trend cannot be calculated, as in Fingertips. ``series``: the place's series, as
    :func:`place_series` or as its rows (dicts), when the caller already has it.
    """
    m = indicators.meta(indicator_id)
    p = _place(place)
    sex = sex or default_sex(m.id)
    info = {x.label: x for x in period_info(m.id)}
    early = _cannot_for_any_place(m.id, sex) if series is None else None
    if early is not None:
        return early
    if series is not None:
        recs = series.to_dict("records") if isinstance(series, pd.DataFrame) else series
        points = lambda: iter(reversed(recs))  # noqa: E731
    else:
        labels = series_labels(m.id, sex)
        points = lambda: (_point(p, m.id, sex, lab) for lab in reversed(labels))  # noqa: E731
    picked: list[dict] = []
    span = None
    for r in points():
        if span is None:
            if _empty(r):
                continue  # after the place's last period
            span = info[r["period"]].span
        if info[r["period"]].span == span:
            picked.append(r)
        if len(picked) == stats.POINTS:
            break
    picked.reverse()
    labels_used = [r["period"] for r in picked]
    areas = {r["geography_used"] for r in picked if not _empty(r)}
    if len(areas) > 1:
        return stats.TrendResult(
            stats.CANNOT, "The latest five periods are not all for the same area ("
            + ", ".join(sorted(str(a) for a in areas)) + "): a break in the series.",
            last_period=labels_used[-1], points=len(picked))
    if len(picked) == stats.POINTS:
        why = _why_not(m.id, labels_used)
        if why:
            return stats.TrendResult(stats.CANNOT, _REASONS[why], last_period=labels_used[-1],
                                     points=len(picked))
    value_type = m.value_type if m.unit != "count" else "count"
    return stats.recent_trend(
        labels_used, value_type=value_type, polarity=m.polarity,
        value=[r["value"] for r in picked], count=[r["count"] for r in picked],
        denominator=[r["denominator"] for r in picked],
        lower=[r["lower_ci"] for r in picked], upper=[r["upper_ci"] for r in picked])


def _cannot_for_any_place(indicator_id: str, sex: str) -> stats.TrendResult | None:
    """Markers known from the labels alone (no value needs to be fetched): a value type
    Fingertips does not test, too few periods, or periods that always overlap."""
    m = indicators.meta(indicator_id)
    value_type = m.value_type if m.unit != "count" else "count"
    if stats.method_for(value_type) is None:
        return stats.recent_trend(["x"], value_type=value_type, polarity=m.polarity)
    labels = series_labels(indicator_id, sex)
    if len(labels) < stats.POINTS:
        return stats.recent_trend(list(labels), value_type=value_type, polarity=m.polarity)
    info = {p.label: p for p in period_info(indicator_id)}
    spans = {info[lab].span for lab in labels}
    if len(spans) == 1 and _why_not(indicator_id, labels[-stats.POINTS:]) in ("overlap",
                                                                              "quarter"):
        why = _why_not(indicator_id, labels[-stats.POINTS:])
        return stats.TrendResult(stats.CANNOT, _REASONS[why], last_period=labels[-1],
                                 points=stats.POINTS)
    return None


def _why_not(indicator_id: str, labels: Sequence[str]) -> str:
    """'' when the five periods qualify, else 'quarter', 'overlap' or 'gap'."""
    info = {p.label: p for p in period_info(indicator_id)}
    if any(_QUARTER.search(lab) for lab in labels):
        return "quarter"
    last = [info[lab] for lab in labels]
    if last[-1].span > 1 and any(b.start <= a.end for a, b in zip(last, last[1:],
                                                                  strict=False)):
        return "overlap"
    if any(b.start - a.start != last[-1].span for a, b in zip(last, last[1:], strict=False)):
        return "gap"
    return ""


def region_for(places: Sequence[Place]) -> Place | None:
    """The North West when every place lies in it (the region is shown where published)."""
    if places and all(NW_CODE in p.parents or p.code == NW_CODE for p in places):
        return registry().get(REGION)
    return None


def trend_frame(places: Sequence[Place | str], indicator_id: str, sex: str | None = None,
                with_england: bool = True, with_region: bool = True) -> pd.DataFrame:
    """Series for the places, the region (where published) and England, with markers."""
    sex = sex or default_sex(indicator_id)
    chosen = [_place(p) for p in places]
    extra: list[Place] = []
    region = region_for(chosen) if with_region else None
    if region is not None and region.id not in {p.id for p in chosen} and \
            _published_region(indicator_id):
        extra.append(region)
    if with_england and ENGLAND not in {p.id for p in chosen}:
        extra.append(registry().get(ENGLAND))
    # one frame made of every place's rows: a frame per place, assigned to, concatenated and
    # turned back into records for its marker was half the Trends page's CPU on a rerun
    rows: list[dict] = []
    for p in [*chosen, *extra]:
        points = _points(p, str(indicator_id), sex)
        t = recent_trend(p, indicator_id, sex, series=points)
        marker = {"recent_trend": t.marker, "recent_trend_reason": t.reason,
                  "trend_method": t.method, "sex": sex,
                  "role": "england" if p.id == ENGLAND else
                  "region" if region is not None and p.id == region.id else "place"}
        rows += ({**point, **marker} for point in points)
    return pd.DataFrame(rows, columns=FRAME_COLUMNS) if rows else pd.DataFrame(columns=COLUMNS)


@functools.cache
def _published_region(indicator_id: str) -> bool:
    v = indicators.values(indicator_id)
    return bool(((v["area_code"] == NW_CODE) & v["value"].notna()).any())


# --------------------------------------------------------------------------------------
# Words, table and chart


def _fmt(x: float | None, unit: str) -> str:
    if x is None or pd.isna(x):
        return "–"
    if unit == "%":
        return f"{x:.1f}%"
    if unit == "years":
        return f"{x:.1f} years"
    if unit in ("count",):
        return f"{x:,.0f}"
    return f"{x:,.1f}" + (f" {unit}" if unit not in ("ratio",) else "")


def _change(first: float, last: float) -> str:
    if round(first, 1) == round(last, 1):
        return "stayed at"
    return "risen from" if last > first else "fallen from"


def _lower_first(text: str) -> str:
    """'Life expectancy' -> 'life expectancy', but 'NHS Health Checks' stays."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def lent(s: pd.DataFrame, name: str) -> pd.Series:
    """Rows of a place's series whose value is another area's (the geography used is not the
    place itself): the one rule behind the chart's rings and :func:`borrowed_note`."""
    return s["value"].notna() & pd.Series(
        [bool(u) and not str(u).startswith(name) for u in s["geography_used"].fillna("")],
        index=s.index, dtype=bool)


def borrowed_note(s: pd.DataFrame, name: str) -> str:
    """Which periods' values are another area's (e.g. a town shown as its district, a
    former district as its successor): 'values of X' or '2022/23: values of X'."""
    lent_rows = lent(s, name).to_numpy(dtype=bool)
    if not lent_rows.any():
        return ""
    # two columns' arrays, not a .loc copy of the rows: three calls per place and chart
    used = s["geography_used"].to_numpy(dtype=object)[lent_rows]
    areas = ", ".join(dict.fromkeys(str(u) for u in used))
    if int(lent_rows.sum()) == int(s["value"].notna().sum()):
        return f"values of {areas}"
    periods = list(s["period"].to_numpy(dtype=object)[lent_rows])
    when = ", ".join(periods) if len(periods) <= 3 else f"{len(periods)} periods"
    return f"{when}: values of {areas}"


def finding_title(frame: pd.DataFrame, indicator_id: str) -> str:
    """E.g. "Blackpool's male life expectancy has fallen from 74.9 years in 2015 - 17 to
    74.2 years in 2023 - 25, while England's has risen from ... to ..."."""
    m = indicators.meta(indicator_id)
    places = frame[frame["role"] == "place"]
    if places.empty:
        places = frame
    first_id = places["place_id"].iloc[0]
    s = places[(places["place_id"] == first_id) & places["value"].notna()]
    sex = str(frame["sex"].iloc[0]) if "sex" in frame else ""
    what = m.short_name or m.name
    what = _lower_first(what)
    if sex in ("Male", "Female"):
        what = f"{sex.lower()} {what}"
    if s.empty:
        return f"No published values of {what} for {places['place'].iloc[0]}"
    a, b = s.iloc[0], s.iloc[-1]
    name = str(a["place"])
    # a town's line drawn from its district's values says so in the finding itself, as the
    # text alternative does: "Workington (built-up area)'s smoking (values of Allerdale …)"
    note = borrowed_note(s, name)
    lent_part = f" ({note})" if note else ""
    subject = f"{name}'s {what}"
    if len(s) == 1:
        return (f"{subject} was {_fmt(a['value'], m.unit)} in {a['period']} (one period)"
                + lent_part)
    text = (f"{subject} has {_change(a['value'], b['value'])} "
            f"{_fmt(a['value'], m.unit)} in {a['period']} to {_fmt(b['value'], m.unit)} in "
            f"{b['period']}{lent_part}")
    eng = frame[(frame["role"] == "england") & frame["period"].isin([a["period"], b["period"]])
                & frame["value"].notna()]
    if first_id != ENGLAND and len(eng) == 2:
        e0, e1 = eng.iloc[0]["value"], eng.iloc[1]["value"]
        verb = _change(e0, e1).replace(" from", "")
        text += (f", while England's has {verb} " + (f"from {_fmt(e0, m.unit)} to "
                                                   f"{_fmt(e1, m.unit)}"
                                                   if verb != "stayed at"
                                                   else _fmt(e1, m.unit)))
    return text


def table_twin(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The chart's numbers, one row per place and period, as published labels."""
    return pd.DataFrame({
        "Place": frame["place"], "Period": frame["period"],
        "Value": frame["value"], "Lower CI": frame["lower_ci"],
        "Upper CI": frame["upper_ci"], "CI level": frame["ci_level"],
        "Count": frame["count"], "Denominator": frame["denominator"],
        "Compared with England": frame["compared_to_england"],
        "Recent trend": frame["recent_trend"], "Unit": unit,
        "Geography used": frame["geography_used"],
    })


def marker_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per place: its recent-trend marker, reason and method."""
    return frame.drop_duplicates("place_id")[
        ["place", "recent_trend", "recent_trend_reason", "trend_method"]].rename(columns={
            "place": "Place", "recent_trend": "Recent trend",
            "recent_trend_reason": "Why", "trend_method": "Method"})


#: The plot's height (px) and the least gap between two end labels' baselines.
PLOT_HEIGHT = 320
LABEL_GAP_PX = 15
#: The end labels' longest text (px) in a phone, a laptop and a wide (1920) box: whole names
#: such as "Workington (parish wards)" (~165 px in 12 px bold, ~255 px in presentation mode)
#: from a laptop up.
END_LABEL_PX = (110, 200, 280)


def _units_per_px(low: float, high: float, height: float = PLOT_HEIGHT) -> float:
    """Data units per pixel of the y-scale, taken as 25 % wider than the values drawn (Vega
    rounds it outwards to round ticks)."""
    return ((high - low) * 1.25 or 1.0) / height


def label_offsets(values: Sequence[float], low: float, high: float,
                  height: float = PLOT_HEIGHT, gap: float = LABEL_GAP_PX) -> list[float]:
    """Pixel offsets (down positive) that keep end labels at least ``gap`` apart, each as
    near its line's end as it can be: England and a place ending at the same value would
    otherwise print one name over the other. ``low``/``high`` are the lowest and highest
    values drawn (:func:`_units_per_px`: labels usually end up a little further apart than
    needed)."""
    per_px = _units_per_px(low, high, height)
    px = [(high - v) / per_px for v in values]  # down from the top, as drawn
    order = sorted(range(len(px)), key=lambda i: px[i])
    # clusters of labels that touch, each drawn as a block centred on its lines' ends;
    # merged with the block above while they overlap
    blocks: list[list[int]] = []

    def top(block: list[int]) -> float:
        return sum(px[i] for i in block) / len(block) - gap * (len(block) - 1) / 2

    for i in order:
        blocks.append([i])
        while len(blocks) > 1 and top(blocks[-1]) < top(blocks[-2]) + gap * len(blocks[-2]):
            blocks[-2:] = [blocks[-2] + blocks[-1]]
    placed = {i: top(b) + gap * k for b in blocks for k, i in enumerate(b)}
    return [round(placed[i] - px[i], 1) + 0.0 for i in range(len(px))]


#: What the chart's rings mean, in its subtitle (the chart itself says a value is borrowed).
RINGED = "Ringed points: another area's value"


@cached(maxsize=64)  # a rerun reuses the chart and its converted spec
def trend_chart(frame: pd.DataFrame, indicator_id: str, title: str) -> alt.TopLevelMixin:
    """Lines per place (gaps where a period is missing), 95% CIs, and points whose colour
    and shape give the comparison with England in that period."""
    m = indicators.meta(indicator_id)
    order = [p.label for p in period_info(indicator_id)
             if p.label in set(frame["period"])]
    data = frame.copy()
    # a new line segment after every missing period, so gaps show as gaps
    data["segment"] = data["value"].isna().astype("int64").groupby(data["place_id"]).cumsum()
    data["comparison"] = data["compared_to_england"].fillna("not compared")
    data.loc[data["role"] == "england", "comparison"] = "England"
    data["value_text"] = [_fmt(v, m.unit) for v in data["value"]]
    data["ci_text"] = [f"{_fmt(lo, m.unit)} to {_fmt(hi, m.unit)}" if pd.notna(lo)
                       and pd.notna(hi) else "not published"
                       for lo, hi in zip(data["lower_ci"], data["upper_ci"], strict=True)]
    data = data.astype({"value": float, "lower_ci": float, "upper_ci": float})
    data["lent"] = False
    notes: list[str] = []  # per place, in order: which periods are another area's values
    for n, g in data[data["role"] == "place"].groupby("place", sort=False):
        data.loc[g.index, "lent"] = lent(g, str(n))
        note = borrowed_note(g, str(n))
        if note:
            notes.append(f" {n}: {note}.")
    role_of: dict[object, object] = {}  # each place's role on its first row
    for n, r in zip(data["place"], data["role"], strict=True):
        role_of.setdefault(n, r)
    names = list(role_of)
    colours = [NEUTRAL if role_of[n] == "england"
               else TREND_PLACE_COLOURS[i % len(TREND_PLACE_COLOURS)]
               for i, n in enumerate(names)]
    comp_domain = [c for c in ("better", "similar", "worse", "lower", "higher",
                               "not compared", "England") if c in set(data["comparison"])]
    fills = [COMPARISON_COLOURS.get(c, "#ffffff") for c in comp_domain]
    shapes = [COMPARISON_SHAPES.get(c, "circle") for c in comp_domain]
    unit = {"%": "%", "years": "years"}.get(m.unit, m.unit)
    x = alt.X("period:O", sort=order, title="Period (as published)",
              axis=alt.Axis(labelAngle=-40 if len(order) > 6 else 0, labelLimit=160))
    y_title = f"{m.short_name or m.name} ({unit})"
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    # no place legend: each line is named at its end (two legends side by side were wider
    # than a phone in presentation type)
    colour = alt.Color("place:N", title="Place", sort=names, legend=None,
                       scale=alt.Scale(domain=names, range=colours))
    base = alt.Chart(data).encode(x=x)
    valid = base.transform_filter("isValid(datum.value)")
    lines = valid.mark_line(strokeWidth=2).encode(
        y=y, color=colour, detail=alt.Detail("segment:N"),
        strokeDash=alt.StrokeDashValue([1, 0], condition={"test": "datum.role == 'england'",
                                                          "value": [6, 4]}))
    bars = base.transform_filter("isValid(datum.lower_ci) && isValid(datum.upper_ci)"
                                 ).mark_rule(strokeWidth=1.5, opacity=0.7).encode(
        y=alt.Y("lower_ci:Q"), y2=alt.Y2("upper_ci:Q"), color=colour)
    tooltip = [alt.Tooltip("place:N", title="Place"), alt.Tooltip("period:N", title="Period"),
               alt.Tooltip("value_text:N", title="Value"),
               alt.Tooltip("ci_text:N", title="95% CI"),
               alt.Tooltip("comparison:N", title="Compared with England"),
               alt.Tooltip("geography_used:N", title="Value shown for")]
    points = valid.mark_point(size=150, filled=True, strokeWidth=0.8, stroke="#222222",
                              opacity=1).encode(
        y=y, fill=alt.Fill("comparison:N", title="Compared with England",
                           scale=alt.Scale(domain=comp_domain, range=fills)),
        shape=alt.Shape("comparison:N", title="Compared with England",
                        scale=alt.Scale(domain=comp_domain, range=shapes)),
        tooltip=tooltip)
    layers = [bars, lines, points]
    # another area's value: ringed on the chart, and the subtitle says so (a second legend
    # beside the comparison one squeezed the plot to nothing on a phone: fit-x)
    if data["lent"].any():
        layers.append(alt.Chart(data[data["lent"]]).mark_point(
            size=420, filled=False, strokeWidth=2, opacity=1, shape="circle",
            color="#222222").encode(x=x, y=y, tooltip=tooltip))
    last = data[data["value"].notna()].groupby("place_id").tail(1).copy()
    drawn = pd.concat([data["value"], data["lower_ci"], data["upper_ci"]]).dropna()
    # moved in data units (Vega-Lite ignores a pixel yOffset on a continuous scale)
    low, high = (float(drawn.min()), float(drawn.max())) if len(drawn) else (0.0, 0.0)
    nudge = label_offsets(last["value"].tolist(), low, high) if len(drawn) else 0.0
    last["label_y"] = last["value"] - pd.Series(nudge, index=last.index) * _units_per_px(
        low, high)
    # end labels: Vega's fit-x counts their width into the chart's, so the plot narrows to
    # make room for them (a right padding on top of that left an empty band as wide as
    # the labels' own); each is cut short at a limit a narrow box can spare (an unlimited
    # "Workington (parish wards)" squeezed the plot to nothing on a phone), the full name is
    # in the title and the table
    phone, laptop, wide = END_LABEL_PX
    # clear of a ring (radius ~12 px) where a line ends on another area's value: "Eden"
    # started under the ring of its 2023-25 point, Westmorland and Furness's
    dx = 15 if bool(last["lent"].any()) else 9
    labels = alt.Chart(last).mark_text(align="left", dx=dx, fontSize=12,
                                       limit={"expr": f"{PHONE} ? {phone} : {WIDE} ? "
                                                      f"{wide} : {laptop}"},
                                       fontWeight="bold").encode(
        x=x, y=alt.Y("label_y:Q", title=y_title, scale=alt.Scale(zero=False)),
        text=alt.Text("place:N"), color=colour)
    chart = alt.layer(
        *layers, labels,
        title=alt.TitleParams(textwrap.wrap(title, 90), anchor="start", fontSize=18,
                              subtitle=textwrap.wrap(
                                  f"{m.name}. {intervals_note(frame, indicator_id)}"
                                  + "".join(notes)
                                  + (f" {RINGED}." if data["lent"].any() else ""), 140),
                              subtitleFontSize=13,
                              subtitleColor="#444444"),
        width="container", height=PLOT_HEIGHT,
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        padding={"left": 5, "top": 5, "bottom": 5, "right": 5},
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared")))
    return configured(chart, axis={"labelFontSize": 13, "titleFontSize": 13},
                      legend={"labelFontSize": 13, "titleFontSize": 13, "orient": "bottom",
                              "columns": 2, "labelLimit": 120, "symbolStrokeWidth": 0.6,
                              "symbolSize": 150},
                      view={"stroke": None})


def trend_text(frame: pd.DataFrame, indicator_id: str) -> str:
    """A text alternative for the chart: each place's first, latest and marker."""
    m = indicators.meta(indicator_id)
    parts = []
    for _, g in frame.groupby("place_id", sort=False):
        s = g[g["value"].notna()]
        name = g["place"].iloc[0]
        if s.empty:
            parts.append(f"{name}: no values.")
            continue
        note = borrowed_note(s, str(name))
        if note:
            name = f"{name} ({note})"
        parts.append(f"{name}: {_fmt(s['value'].iloc[0], m.unit)} in {s['period'].iloc[0]}, "
                     f"{_fmt(s['value'].iloc[-1], m.unit)} in {s['period'].iloc[-1]} "
                     f"({len(s)} of {len(g)} periods); recent trend: "
                     f"{g['recent_trend'].iloc[0].lower()}.")
    return " ".join(parts)


def trend_records(place: Place | str, indicator_id: str, sex: str | None = None,
                  ) -> tuple[list[dict], stats.TrendResult]:
    """Every period (CLI): value, limits with their level, count, denominator, comparison."""
    s = place_series(place, indicator_id, sex)
    t = recent_trend(place, indicator_id, sex, series=s)
    recs = []
    for r in s.itertuples(index=False):
        recs.append({"period": r.period, "value": _none(r.value), "lower_ci": _none(r.lower_ci),
                     "upper_ci": _none(r.upper_ci), "ci_level": r.ci_level,
                     "count": _none(r.count), "denominator": _none(r.denominator),
                     "compared_to_england": r.compared_to_england})
    return recs, t


def _none(x: object) -> object:
    return None if x is None or (isinstance(x, float) and pd.isna(x)) else x


def clear_cache() -> None:
    _point_cached.cache_clear()
    _labels_cached.cache_clear()
    period_info.cache_clear()
    _published_region.cache_clear()


# --------------------------------------------------------------------------------------
# Links from other pages' indicator rows

TREND_PAGE = "trends"


def _row_sex(indicator_id: str, name: str) -> str:
    """The sex of a Compare/CORE20PLUS5 row: its name says '(male)'/'(female)' when an
    indicator is shown by sex; otherwise the indicator's default."""
    low = name.lower()
    for sex in ("Female", "Male"):
        if low.endswith(f"({sex.lower()})") and sex in indicators.sexes(indicator_id):
            return sex
    return default_sex(indicator_id)


def row_trend(place: Place, indicator_id: str, name: str = "") -> tuple[str, str] | None:
    """(recent-trend marker, link to the trend view) for an indicator row, or None when
    the row is not a registry indicator with more than one period."""
    from explorer import state as url_state

    if indicator_id not in indicators.registry():
        return None
    sex = _row_sex(indicator_id, name)
    if len(series_labels(indicator_id, sex)) < 2:
        return None
    marker = recent_trend(place, indicator_id, sex).marker
    state = {url_state.PLACES: [place.id], url_state.INDICATOR: indicator_id}
    if len(indicators.sexes(indicator_id)) > 1:
        state[url_state.SEX] = sex
    return marker, url_state.url(TREND_PAGE, state)


def trend_columns(frame: pd.DataFrame, places: Sequence[Place]) -> pd.DataFrame:
    """Add ``recent_trend`` and ``trend_link`` to an indicator frame (Compare, CORE20PLUS5)
    whose ``place`` column holds place names."""
    if frame.empty:
        return frame.assign(recent_trend=[], trend_link=[])
    by_name = {p.name: p for p in places}
    marks, links = [], []
    # three columns, not itertuples over the frame's ~40 (a tenth of a Compare run)
    for name, ind, row_name in zip(frame["place"].tolist(), frame["indicator_id"].tolist(),
                                   frame["name"].tolist(), strict=True):
        place = by_name.get(name)
        got = row_trend(place, str(ind), str(row_name)) if place else None
        marks.append(got[0] if got else None)
        links.append(got[1] if got else None)
    return frame.assign(recent_trend=marks, trend_link=links)
