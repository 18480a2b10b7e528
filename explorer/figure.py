"""Figures: a finding title, its chart, the table twin, caption, sources and file name,
built once in the domain and drawn by one UI helper (:mod:`ui.figure`) and by the place
brief (:mod:`explorer.brief`), so the page and the brief cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from explorer.places import Place
from explorer.profile import Profile
from explorer.values import PlaceValue


@dataclass(frozen=True)
class Figure:
    """Everything a reader needs to read, check and re-use one chart."""

    key: str
    heading: str
    title: str
    chart: alt.TopLevelMixin | None
    table: pd.DataFrame
    export: pd.DataFrame
    caption: str
    sources: tuple[str, ...]
    #: The comparison labels the chart colours its marks by (keyed above it on screen).
    comparisons: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return self.key


def _source_of(indicator_id: str, source: str) -> str:
    from explorer import indicators

    try:
        return indicators.caption(indicator_id)
    except KeyError:  # an uploaded indicator: its source text
        return source


#: Table-twin columns (frame column -> heading) of the indicator figure.
INDICATOR_TABLE = {  # the comparison right after the value and interval it was decided on
    "label": "Indicator", "place": "Place", "period": "Period", "value_display": "Value",
    "ci_display": "Interval", "england_display": "England",
    "compared_to_england": "Compared with England", "decided_on": "Decided on",
    "interval": "Interval level", "count": "Count", "denominator": "Denominator",
    "age_group": "Age group", "geography_used": "Geography used",
    "taken_from": "Taken from a larger area", "note": "Note",
}
#: Trend columns added when the figure knows its places (issue 10).
TREND_TABLE = {"recent_trend": "Recent trend", "trend_link": "Trend"}
#: CSV columns of the indicator figure (values on the unit's scale).
INDICATOR_EXPORT = (
    "indicator_id", "name", "place", "period", "sex", "unit", "value", "lower_ci", "upper_ci",
    "confidence", "count", "denominator", "age_group", "england_value", "compared_to_england",
    "comparison_confidence", "comparison_basis", "fit", "lender", "computed",
    "geography_used", "note", "source",
)


def indicator_headline(frame: pd.DataFrame, label: str) -> str:
    """'11 of 38 ... worse than England (95% CI), and 5 values taken from larger areas':
    the places' own values counted; borrowed values counted separately."""
    if frame.empty:
        return "No indicator values to compare with England"
    own = ~frame["borrowed"].to_numpy(dtype=bool)  # masks: a filtered copy of ~40 columns
    borrowed = len(frame) - int(own.sum())         # cost more than the rest of the headline
    worse = int((own & (frame["compared_to_england"] == "worse").to_numpy(dtype=bool)).sum())
    text = (f"{worse} of {int(own.sum())} place–indicator values are significantly worse than "
            f"England ({label} CI)")
    if borrowed:
        text += f", and {borrowed} value{'s' if borrowed != 1 else ''} taken from larger areas"
    return text


def indicator_figure(rows: Sequence[PlaceValue], confidence_label: str,
                     places: Sequence[Place] | None = None) -> Figure:
    """The 'Indicators compared with England' chart, table, caption and CSV; given the
    ``places``, each row also carries Fingertips' recent-trend marker and a trend link."""
    from explorer.charts import indicator_forest
    from explorer.compare import forest_rows, indicator_frame

    frame = indicator_frame(list(rows))
    with_trend = places is not None and not frame.empty
    if with_trend:
        from explorer.trends import trend_columns

        frame = trend_columns(frame, list(places))
    plot = forest_rows(frame)
    title = indicator_headline(plot, confidence_label)
    chart = indicator_forest(plot, title, confidence_label) if not plot.empty else None
    sources = tuple(sorted({_source_of(i, s) for i, s in
                            zip(frame.get("indicator_id", []), frame.get("source", []),
                                strict=True)}))
    if frame.empty:
        return Figure("indicators", "Indicators compared with England", title, None,
                      frame, frame, "", sources)
    columns = {**INDICATOR_TABLE, **(TREND_TABLE if with_trend else {})}
    table = frame[list(columns)].rename(columns=columns)
    export = frame[[*INDICATOR_EXPORT, *(("recent_trend",) if with_trend else ())]].copy()
    levels = sorted({x for x in frame["interval"] if x})
    caption = (
        f"Intervals shown are the ones each comparison is decided on: {', '.join(levels)}. "
        f"Computed Wilson score intervals (PHStatsMethods' method) follow the "
        f"{confidence_label} control; published intervals are kept as published (95%) and "
        "never replaced by a narrower computed one; Fingertips' own labels are kept 'as "
        "published'. 'Similar': England's value lies inside the interval; otherwise better "
        "or worse by the indicator's polarity (Fingertips method), or higher/lower when it "
        "has none. Hollow points and the 'Taken from a larger area' column: values published "
        "only for a containing area, not counted in the headline. Core20 and rural share "
        "count every resident, so they have no interval. Values are never estimated where "
        "the data do not allow it.")
    shown = tuple(dict.fromkeys(plot["compared_to_england"])) if chart is not None else ()
    return Figure("indicators", "Indicators compared with England", title, chart, table,
                  export, caption, sources, shown)


def decile_figure(profiles: Sequence[Profile], vintage: int) -> Figure:
    """Residents by national IMD decile, one bar per place."""
    from explorer.charts import decile_stack
    from explorer.compare import decile_rows
    from loaders import snapshot

    rows = decile_rows(list(profiles))
    most = max(profiles, key=lambda pr: pr.decile_population[0] / max(pr.population, 1))
    title = (f"{most.name} has the largest share of residents in the most deprived decile "
             f"({most.decile_population[0] / max(most.population, 1):.0%})")
    src = snapshot.caption(f"iod{vintage}_lsoa{'11' if vintage == 2019 else '21'}")
    approx = (" LSOA 2021 sets of towns and wards are approximated from LSOA 2011."
              if vintage == 2025 else "")
    caption = (f"Share of residents by national IMD decile (1 = most deprived). Populations: "
               f"{profiles[0].population_source}.{approx} {src}")
    twin = rows.pivot(index="place", columns="decile", values="population")
    twin.columns = [f"Decile {c}" for c in twin.columns]
    twin = twin.reset_index().rename(columns={"place": "Place"})
    return Figure(f"deciles-iod{vintage}", "Residents by national deprivation decile", title,
                  decile_stack(rows, vintage, title), twin, twin, caption, (src,))


def domain_figure(profiles: Sequence[Profile], places: Sequence[Place]) -> Figure:
    """Each place's average domain scores at their national percentile."""
    from explorer.charts import domain_dots
    from explorer.compare import domain_finding, domain_rows
    from loaders import snapshot

    rows = domain_rows(list(profiles), list(places))
    title = domain_finding(rows)
    src = snapshot.caption("iod2019_lsoa11")
    how = "; ".join(
        f"{pr.name}: " + ("MHCLG's published average" if pr.domain_scores_source == "official"
                          else "population-weighted, computed") for pr in profiles)
    caption = ("Average domain score of each place, placed at its national percentile "
               f"among LSOA scores ({how}). District ranks are MHCLG's rank of average "
               f"score (1 = most deprived of 317) in the table. {src}")
    twin = rows.rename(columns={"place": "Place", "domain": "Domain", "score": "Score",
                                "percentile": "National percentile",
                                "district_rank": "District rank"}).drop(
        columns=["domain_key", "districts"])
    return Figure("domains-iod2019", "Domains of deprivation", title,
                  domain_dots(rows, 2019, title), twin, twin, caption, (src,))
