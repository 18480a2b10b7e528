"""Altair chart builders: frame in, chart out. Pure and testable; pages only display them.

Every chart has a title that states the finding; the caption with source, vintage and
licence is rendered under it by the page (and baked into PNG/SVG exports).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import altair as alt
import numpy as np
import pandas as pd

from explorer import exports
from explorer.palette import DECILE_COLOURS, NEUTRAL, PLACE_COLOURS
from explorer.text import wrap

F = TypeVar("F", bound=Callable[..., Any])


def fingerprint(value: Any) -> Hashable:
    """A hashable key that changes with the content of a builder argument: frames by their
    columns, dtypes, index and every cell (in order); scalars by type and ``repr``.
    Raises TypeError for anything else (the call is then not cached)."""
    if isinstance(value, pd.DataFrame):
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr((value.shape, [str(c) for c in value.columns],
                            [repr(t) for t in value.dtypes],
                            sorted(value.attrs.items()))).encode())
        try:  # 5x faster than hashing rows (Arrow strings are pickled as buffers); equal
            # frames may pickle differently (shared vs separate objects): a miss, never a
            # wrong hit, since the bytes hold every cell
            digest.update(pickle.dumps(value, protocol=5))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError):
            digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        return "frame", digest.hexdigest()
    if value is None or isinstance(value, str | int | float | np.generic):  # bool: an int
        return type(value).__name__, repr(value)
    if isinstance(value, list | tuple):
        return type(value).__name__, tuple(fingerprint(v) for v in value)
    if dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen:
        return type(value).__name__, hash(value), repr(value)
    raise TypeError(f"no content key for {type(value).__name__}")


def cached(maxsize: int, share: Callable[[Any], Any] | None = None) -> Callable[[F], F]:
    """A builder whose result is kept for the same inputs (by :func:`fingerprint`) and
    shared by every session. Charts (the default ``share``, :func:`explorer.exports.share`):
    a rerun neither rebuilds the chart nor converts and validates its spec again; other
    immutable results (a table's HTML) pass ``share=lambda x: x``. Bounded: the least
    recently used of ``maxsize`` results goes first. A shared chart must never be changed by a
    caller (Altair's ``properties``, ``project`` … return copies, which are not shared)."""
    finish = share or exports.share
    def decorate(build: F) -> F:
        charts: OrderedDict[Hashable, alt.TopLevelMixin] = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(build)
        def wrapper(*args: Any, **kwargs: Any) -> alt.TopLevelMixin:
            try:
                key = fingerprint(args), fingerprint(sorted(kwargs.items()))
            except TypeError:  # an argument without a content key: built every time
                return build(*args, **kwargs)
            with lock:
                chart = charts.get(key)
                if chart is not None:
                    charts.move_to_end(key)
                    return chart
            chart = finish(build(*args, **kwargs))
            with lock:
                chart = charts.setdefault(key, chart)
                while len(charts) > maxsize:
                    charts.popitem(last=False)
            return chart

        wrapper.cache_clear = charts.clear  # type: ignore[attr-defined]
        wrapper.cache_len = charts.__len__  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]
    return decorate

FONT_SIZE = 14
TITLE_SIZE = 18
#: Chart boxes narrower than this (px) get the phone layout (``ui/charts.py``, Trends).
PHONE_PX = 600
#: The Vega test for that layout.
PHONE = f"containerSize()[0] < {PHONE_PX}"
#: Boxes at least this wide (a 1920 screen's main column) get room for longer end labels.
WIDE_PX = 1000
#: The Vega test for that.
WIDE = f"containerSize()[0] >= {WIDE_PX}"


def on_phone(phone: object, wide: object) -> dict:
    """A Vega expression: ``phone`` in a box narrower than :data:`PHONE_PX`, else ``wide``."""
    return {"expr": f"{PHONE} ? {phone} : {wide}"}


def tick_count(px_per_tick: int = 110) -> dict:
    """A Vega expression: about one axis label per ``px_per_tick`` of the chart's width.
    Why: Vega's default (one per 40 px) labelled a 1,400 px scatter every 0.5 IMD points
    (45 labels), unreadable on a projector; Vega rounds the count to 1, 2 or 5 steps. It
    reads the view's ``width`` signal, not ``containerSize()``: the PNG/SVG export has no
    container (NaN: an axis without labels). For single and layered views only."""
    return {"expr": f"max(4, round(width / {px_per_tick}))"}


#: Widest place name in a one-column legend, in pixels: room for "Workington (parish
#: wards)" and most custom names at a projector's font size; 155 on a phone, where the
#: legend starts after the row labels and a wider one ran past the chart's box.
PLACE_LABEL_PX = 280
PLACE_LABEL_PHONE_PX = 155


def place_label_limit() -> dict:
    """A place legend's label limit (a Vega expression on the box the chart is drawn in)."""
    return on_phone(PLACE_LABEL_PHONE_PX, PLACE_LABEL_PX)


#: Characters per line of chart titles and subtitles: Vega does not wrap text, so titles
#: are broken into lines that fit a phone (390 px) as well as a desktop.
TITLE_CHARS, SUBTITLE_CHARS, AXIS_CHARS = 38, 48, 24


def _title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    return alt.TitleParams(wrap(text, TITLE_CHARS), subtitle=wrap(subtitle or "",
                                                                 SUBTITLE_CHARS),
                           anchor="start", fontSize=TITLE_SIZE, subtitleFontSize=FONT_SIZE,
                           subtitleColor="#444444")


def configured(chart: alt.TopLevelMixin, axis: dict[str, Any] | None = None,
               legend: dict[str, Any] | None = None,
               view: dict[str, Any] | None = None) -> alt.TopLevelMixin:
    """``chart.configure_axis(**axis).configure_legend(**legend).configure_view(**view)``,
    set on the chart its builder has just made. Each ``configure_*`` (like ``properties``
    and ``resolve_scale``) copies the chart by constructing it again, and a layered chart's
    constructor deep-copies every layer twice (Altair 6): a trend chart was constructed six
    times, ~60 of the 83 ms it took to build. Builders therefore pass properties to
    ``alt.layer`` and configure here, once."""
    config = chart.config if chart.config is not alt.Undefined else alt.Config()
    for name, cls, kwargs in (("axis", alt.AxisConfig, axis), ("legend", alt.LegendConfig, legend),
                              ("view", alt.ViewConfig, view)):
        if kwargs is not None:
            config[name] = cls(**kwargs)
    chart.config = config
    return chart


#: A legend label's width before an ellipsis (presentation mode scales it with the type).
LEGEND_LABEL_PX = 220


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return configured(chart, axis={"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE,
                                   "labelLimit": 320},
                      # Vega's default is 160 px: 'Payments for c…' in presentation type
                      legend={"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE,
                              "labelLimit": LEGEND_LABEL_PX},
                      view={"stroke": None})


def pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None or pd.isna(x) else f"{x * 100:.{digits}f}%"


#: Row pitch of the Core20 bars: one line of label; on a phone, room for two (the label
#: column is ~150 px there: "Barrow-in-Furness (former district, to March 2023)" needs two).
CORE20_ROW_PX, CORE20_PHONE_ROW_PX = 24, 36


@cached(maxsize=64)
def core20_bar(df: pd.DataFrame, region_name: str, england_share: float, vintage: int,
               row_px: int = CORE20_ROW_PX) -> alt.TopLevelMixin:
    """Sorted horizontal bars of Core20 share, towns and districts distinguished, England rule
    (``row_px`` apart)."""
    data = df.assign(share=df["core20_share"] * 100,
                     share_label=df["core20_share"].map(pct),
                     population_fmt=df["population"].map("{:,}".format),
                     core20_fmt=df["core20_population"].map("{:,}".format))
    top = data.iloc[0] if len(data) else None
    title = (f"{top['name']} has the highest share of residents in England's most deprived 20% "
             f"in {region_name} ({top['share_label']})" if top is not None
             else f"Core20 share in {region_name}")
    order = data["label"].tolist()
    # values in a column just right of the longest bar and of the England line, so the
    # dashed line never runs through them; the axis ends a little past that column (a
    # 0-100 axis left the right half of the chart empty: no North West place is above 60%)
    label_x = min(100.0, max([*data["share"].dropna(), england_share * 100, 0.0]) + 2)
    axis_end = min(100.0, math.ceil((label_x + 8) / 10) * 10)
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("share:Q", title=wrap("Residents in the most deprived national quintile (%)",
                                      AXIS_CHARS),
                scale=alt.Scale(domain=[0, axis_end]), axis=alt.Axis(tickCount=tick_count())),
    )
    bars = base.mark_bar(height={"band": 0.8}).encode(
        # the key above the bars: a region's chart is taller than a projector's screen, and
        # a key at its foot was off screen while people read the colours
        color=alt.Color("kind:N", title="Place", scale=alt.Scale(
            domain=["district", "town"], range=[PLACE_COLOURS[0], PLACE_COLOURS[1]]),
            legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("label:N", title="Place"),
                 alt.Tooltip("share_label:N", title="Core20 share"),
                 alt.Tooltip("core20_fmt:N", title="Residents in Core20"),
                 alt.Tooltip("population_fmt:N", title="Population")],
    )
    labels = base.mark_text(align="left", dx=2, fontSize=FONT_SIZE - 1, color=NEUTRAL).encode(
        x=alt.XDatum(round(label_x, 1)), text=alt.Text("share_label:N"))
    rule = alt.Chart(pd.DataFrame({"x": [england_share * 100],
                                   "t": [f"England {pct(england_share)}"]}))
    rule_line = rule.mark_rule(strokeDash=[6, 4], color="#000000", size=2).encode(x=alt.X("x:Q"))
    rule_text = rule.mark_text(align="left", dx=4, dy=-8, fontSize=FONT_SIZE - 1,
                               fontWeight="bold").encode(
        x=alt.X("x:Q"), y=alt.YValue(0), text=alt.Text("t:N"))
    chart = alt.layer(
        bars, labels, rule_line, rule_text,
        title=_title(title, f"IoD{vintage}: share of residents living in LSOAs in national "
                            "IMD deciles 1–2 (Core20). Dashed line: England."),
        height=alt.Step(row_px), width="container")
    return _configure(chart)


@cached(maxsize=64)
def decile_stack(rows: pd.DataFrame, vintage: int, title: str) -> alt.TopLevelMixin:
    """100%-stacked bars of residents by national IMD decile, one bar per place.

    ``rows``: columns place, decile (1..10), population, share.
    """
    data = rows.assign(pct=rows["share"] * 100, share_label=rows["share"].map(pct),
                       decile_label=rows["decile"].map(
                           lambda d: f"{d} (most deprived)" if d == 1 else
                           (f"{d} (least deprived)" if d == 10 else str(d))),
                       population_fmt=rows["population"].map("{:,}".format))
    order = list(dict.fromkeys(rows["place"]))
    chart = alt.Chart(data).mark_bar(height={"band": 0.75}).encode(
        y=alt.Y("place:N", sort=order, title=None),
        x=alt.X("pct:Q", stack="zero", title="Share of residents (%)",
                scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(tickCount=tick_count())),
        color=alt.Color("decile:O", title=["National IMD decile", "(1 = most deprived)"],
                        scale=alt.Scale(domain=list(range(1, 11)), range=list(DECILE_COLOURS)),
                        legend=alt.Legend(orient="bottom", direction="horizontal",
                                          # five a row where they fit; two in a narrow box
                                          # (a phone, the map's side panel)
                                          columns=alt.ExprRef("containerSize()[0] < 420 "
                                                              "? 2 : 5"))),
        order=alt.Order("decile:O"),
        tooltip=[alt.Tooltip("place:N", title="Place"),
                 alt.Tooltip("decile_label:N", title="Decile"),
                 alt.Tooltip("share_label:N", title="Share"),
                 alt.Tooltip("population_fmt:N", title="Residents")],
    ).properties(title=_title(title, f"IoD{vintage}; decile 1 = most deprived 10% of LSOAs "
                                     "in England."), height=alt.Step(44), width="container")
    return _configure(chart)


@cached(maxsize=64)
def domain_dots(rows: pd.DataFrame, vintage: int, title: str) -> alt.TopLevelMixin:
    """One dot per place on a common axis per domain (the place's average domain score,
    MHCLG's where published, shown as its national percentile so domains share one axis)."""
    order = list(dict.fromkeys(rows["place"]))
    chart = alt.Chart(rows).mark_point(filled=True, size=260, opacity=0.95).encode(
        y=alt.Y("domain:N", sort=list(dict.fromkeys(rows["domain"])), title=None),
        x=alt.X("percentile:Q", title=wrap("National position of the place's average "
                                           "score (0 = least deprived LSOA, 100 = most "
                                           "deprived)", AXIS_CHARS),
                scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(tickCount=tick_count())),
        color=alt.Color("place:N", sort=order, title="Place",
                        scale=alt.Scale(domain=order, range=list(PLACE_COLOURS[:len(order)])),
                        legend=alt.Legend(orient="bottom", columns=1,
                                          labelLimit=place_label_limit())),
        shape=alt.Shape("place:N", sort=order, legend=None),
        tooltip=[alt.Tooltip("place:N", title="Place"), alt.Tooltip("domain:N", title="Domain"),
                 alt.Tooltip("score:Q", title="Score", format=".3f"),
                 alt.Tooltip("percentile:Q", title="Percentile", format=".0f")],
    ).properties(title=_title(title, f"IoD{vintage}; further right = more deprived."),
                 height=alt.Step(40), width="container")
    return _configure(chart)


#: Subtitle words for a borrowed value, used on the chart, its table twin and exports.
BORROWED_WORDS = "hollow: taken from a larger area"


@cached(maxsize=64)
def indicator_forest(df: pd.DataFrame, title: str, confidence_label: str) -> alt.TopLevelMixin:
    """Spine-style chart: each place's value and the interval its comparison was decided on,
    per indicator, with England as the centre line.

    One view (no facet, so ``width="container"`` holds and nothing is clipped at any
    screen width): each indicator is scaled to its own spread around England
    (``(x - England) / max |limit - England|``), so indicators of very different sizes share
    one axis, as in Fingertips spine charts; the tooltip and the table twin carry the
    values. Values taken from a larger area are hollow, with the lender in the tooltip.

    ``df``: :func:`explorer.compare.indicator_frame` rows (values on the unit's scale).
    """
    from explorer.palette import COMPARISON_COLOURS

    data = df.copy()
    eng = data["england_value"].astype(float)
    dev = pd.concat([(data[c].astype(float) - eng).abs()
                     for c in ("value", "lower_ci", "upper_ci")], axis=1).max(axis=1)
    spread = dev.groupby(data["label"]).transform("max").where(lambda x: x > 0, 1.0)
    for col, src in (("x", "value"), ("x_lo", "lower_ci"), ("x_hi", "upper_ci")):
        data[col] = (data[src].astype(float) - eng) / spread
    from explorer.compare import format_interval, format_value

    data["value_label"] = [format_value(v, u) for v, u in zip(data["value"], data["unit"],
                                                              strict=True)]
    data["interval_label"] = ["none" if lo is None or pd.isna(lo) else
                              "{} to {} ({})".format(*format_interval(lo, hi, u), lvl)
                              for lo, hi, u, lvl in zip(data["lower_ci"], data["upper_ci"],
                                                        data["unit"], data["interval"],
                                                        strict=True)]
    data["england_label"] = [format_value(v, u) for v, u in zip(data["england_value"],
                                                                data["unit"], strict=True)]
    data["fit_label"] = [f"taken from {lender}" if b else "the place's own figure"
                         for lender, b in zip(data["lender"], data["borrowed"], strict=True)]
    data["borrowed"] = data["borrowed"].astype(bool)
    data = pd.DataFrame({c: data[c].tolist() for c in (  # only what is drawn: small spec
        "label", "place", "period", "x", "x_lo", "x_hi", "value_label", "interval_label",
        "england_label", "compared_to_england", "decided_on", "fit_label", "borrowed")})
    order = list(dict.fromkeys(data["place"]))
    rows = list(dict.fromkeys(data["label"]))
    domain = list(COMPARISON_COLOURS)
    colours = alt.Scale(domain=domain, range=list(COMPARISON_COLOURS.values()))
    # the data sit on the layer, once: Altair would otherwise hash and compare each
    # sub-chart's copy of the frame to merge them (a third of the build time)
    base = alt.Chart().encode(
        y=alt.Y("label:N", sort=rows, title=None, axis=alt.Axis(labelLimit=180)),
        yOffset=alt.YOffset("place:N", sort=order),
    )
    scale = alt.Scale(domain=[-1.1, 1.1])
    axis = alt.Axis(values=[0], labels=False, ticks=False, grid=True, gridColor="#000000",
                    gridWidth=2)
    words = ["← lower than England", "higher than England →"]
    x = alt.X("x:Q", scale=scale, axis=axis, title=words)
    bars = base.mark_rule(size=3, color=NEUTRAL).encode(
        x=alt.X("x_lo:Q", scale=scale, axis=axis, title=words), x2=alt.X2("x_hi:Q"))
    tooltip = [alt.Tooltip("place:N", title="Place"), alt.Tooltip("label:N", title="Indicator"),
               alt.Tooltip("period:N", title="Period"),
               alt.Tooltip("value_label:N", title="Value"),
               alt.Tooltip("interval_label:N", title="Interval"),
               alt.Tooltip("england_label:N", title="England"),
               alt.Tooltip("compared_to_england:N", title="Compared with England"),
               alt.Tooltip("decided_on:N", title="Decided on"),
               alt.Tooltip("fit_label:N", title="Geography")]
    points = base.mark_point(size=150, strokeWidth=2.5, opacity=1).encode(
        x=x,
        color=alt.Color("compared_to_england:N", title="Compared with England",
                        scale=colours,
                        # at the foot (for the PNG/SVG); the page also keys the colours
                        # above the chart (ui.charts.comparison_key), which wraps on a
                        # phone where two legends side by side would not fit
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=120)),
        fill=alt.condition("datum.borrowed", alt.value("#ffffff"),
                           alt.Color("compared_to_england:N", scale=colours, legend=None)),
        shape=alt.Shape("place:N", sort=order, legend=None),
        tooltip=tooltip,
    )
    # the place key: the same shapes, filled grey, drawn under the points (a conditional
    # fill would otherwise blank the legend's symbols)
    keys = base.mark_point(size=150, filled=True, color=NEUTRAL, opacity=1).encode(
        x=x, shape=alt.Shape("place:N", sort=order, title="Place",
                             legend=alt.Legend(orient="top", columns=1,
                                                 labelLimit=place_label_limit())))
    unbarred = ("; a judged dot without a bar: OHID's own comparison, its limits not in "
                "the published data" if bool(df["label_without_limits"].any()) else "")
    chart = alt.layer(
        bars, keys, points, data=data, width="container",
        height=alt.Step(step=16, **{"for": "offset"}),
        title=_title(title, f"Dots: value; bars: the {confidence_label} interval the "
                            "comparison is decided on (published intervals as published)"
                            f"{unbarred}; each indicator scaled to its own spread around "
                            f"England (the centre line); {BORROWED_WORDS}."))
    return _configure(chart)


@cached(maxsize=64)
def gradient_chart(table: pd.DataFrame, title: str, grouping: str, unit: str = "%",
                   england: float | None = None, confidence_label: str = "95%",
                   england_table: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """Indicator by national deprivation group with CI bars; bars in the decile colours.

    ``table``: group, value, lower_ci, upper_ci, count, denominator (values as fractions).
    ``england_table`` (the same for England's residents) is drawn as a dashed line with
    white diamonds: what the same level of deprivation looks like nationally.
    """
    from explorer.palette import QUINTILE_COLOURS

    colours = DECILE_COLOURS if grouping == "decile" else QUINTILE_COLOURS
    n = len(colours)
    data = table.assign(v=table["value"] * 100, lo=table["lower_ci"] * 100,
                        hi=table["upper_ci"] * 100, value_label=table["value"].map(pct),
                        count_fmt=table["count"].map(lambda c: "–" if pd.isna(c) else f"{c:,.0f}"),
                        den_fmt=table["denominator"].map(
                            lambda c: "–" if pd.isna(c) else f"{c:,.0f}"))
    x = alt.X("group:O", title=f"National IMD {grouping} (1 = most deprived)",
              scale=alt.Scale(domain=list(range(1, n + 1))), axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(data).mark_bar().encode(
        x=x, y=alt.Y("v:Q", title=unit),
        color=alt.Color("group:O", scale=alt.Scale(domain=list(range(1, n + 1)),
                                                   range=list(colours)), legend=None),
        tooltip=[alt.Tooltip("group:O", title=grouping.title()),
                 alt.Tooltip("value_label:N", title="Value"),
                 alt.Tooltip("count_fmt:N", title="Count"),
                 alt.Tooltip("den_fmt:N", title="Denominator")])
    err = alt.Chart(data).mark_errorbar(ticks=True, color="black", thickness=2).encode(
        x=x, y=alt.Y("lo:Q", title=unit), y2=alt.Y2("hi:Q"))
    layers = [bars, err]
    subtitle = ("Bars: value for residents of the place in each national group; "
                f"black lines: {confidence_label} confidence interval")
    if england_table is not None and not england_table.empty:
        ref = pd.DataFrame({"group": england_table["group"].astype(int).tolist(),
                            "v": (england_table["value"] * 100).tolist(),
                            "value_label": england_table["value"].map(pct).tolist()})
        line = alt.Chart(ref).encode(
            x=x, y=alt.Y("v:Q", title=unit),
            tooltip=[alt.Tooltip("group:O", title=f"England, {grouping}"),
                     alt.Tooltip("value_label:N", title="Value")])
        layers += [line.mark_line(color="black", strokeDash=[6, 3], strokeWidth=2),
                   line.mark_point(shape="diamond", size=110, filled=True, fill="white",
                                   stroke="black", strokeWidth=2, opacity=1)]
        subtitle += ("; dashed line with diamonds: England's residents in the same "
                     f"national {grouping}")
    if england is not None:
        eng = alt.Chart(pd.DataFrame({"y": [england * 100], "t": [f"England {pct(england)}"]}))
        layers += [eng.mark_rule(strokeDash=[6, 4], size=2, color="black").encode(y=alt.Y("y:Q")),
                   eng.mark_text(align="left", dx=4, dy=-8, fontWeight="bold",
                                 fontSize=FONT_SIZE - 1).encode(
                       y=alt.Y("y:Q"), x=alt.XValue(0), text=alt.Text("t:N"))]
    chart = alt.layer(*layers, title=_title(title, subtitle + "."), height=380,
                      width="container")
    return _configure(chart)
