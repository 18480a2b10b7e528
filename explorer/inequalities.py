"""Inequality within a place: an indicator by national deprivation decile or quintile, with
the slope and relative indices of inequality (SII, RII) computed the OHID way."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.places import Place
from explorer.registry import IndicatorMeta
from explorer.stats.proportions import wilson_ci
from explorer.stats.sii import compute_sii

SII_REPETITIONS = 20_000  # simulated CIs; ±1% of the interval width at 100,000 (see tests)


@dataclass(frozen=True)
class Gradient:
    """An indicator by deprivation group within a place, and its SII/RII."""

    indicator_id: str
    name: str
    place: str
    grouping: str
    table: pd.DataFrame  # group, count, denominator, value, lower_ci, upper_ci, lsoas
    sii: float | None
    sii_ci: tuple[float, float] | None
    rii: float | None
    rii_ci: tuple[float, float] | None
    note: str
    confidence: float


def count_indicators() -> dict[str, IndicatorMeta]:
    """IoD count-based indicators usable on the gradient (registry tag ``deprivation``;
    not Core20, which is the grouping)."""
    from explorer import indicators

    return {m.id: m for m in indicators.registry().tagged("deprivation") if m.id != "core20"}


def decile_counts(indicator_id: str, place: Place) -> pd.DataFrame:
    """Numerator and denominator by national IMD decile of the place's LSOAs, through the
    place-value engine's LSOA sum (:func:`explorer.indicators.by_deprivation_decile`)."""
    from explorer import indicators

    m = indicators.meta(indicator_id)
    vintage = 2025 if m.method == "derived" and "LSOA 2021" in m.vintage else 2019
    df = indicators.by_deprivation_decile(m.id, place, vintage)
    return pd.DataFrame({"decile": df["imd_decile"].astype(int),
                         "count": df["count"].astype(float),
                         "denominator": df["denominator"].astype(float),
                         "lsoa_count": df["lsoa_count"].astype(int)})


#: IoD counts and store indicators are summed the same way.
decile_counts_iod = decile_counts_health = decile_counts


def group_table(deciles: pd.DataFrame, grouping: str = "decile",
                confidence: float = 0.95) -> pd.DataFrame:
    """Sum numerators and denominators by national deprivation group; Wilson CIs."""
    group = deciles["decile"] if grouping == "decile" else (deciles["decile"] + 1) // 2
    n = 10 if grouping == "decile" else 5
    agg = deciles.groupby(group).agg(count=("count", "sum"),
                                     denominator=("denominator", "sum"),
                                     lsoas=("lsoa_count", "sum"))
    agg = agg.reindex(range(1, n + 1), fill_value=0)
    agg.index.name = "group"
    empty = agg["denominator"] <= 0
    agg.loc[empty, ["count", "denominator"]] = np.nan
    agg["value"] = agg["count"] / agg["denominator"]
    lo, hi = wilson_ci(agg["count"].to_numpy(), agg["denominator"].to_numpy(), confidence)
    agg["lower_ci"], agg["upper_ci"] = lo, hi
    return agg.reset_index()


def gradient(indicator_id: str, name: str, place: Place, deciles: pd.DataFrame,
             grouping: str = "decile", confidence: float = 0.95) -> Gradient:
    table = group_table(deciles, grouping, confidence)
    usable = table.dropna(subset=["value"])
    usable = usable[(usable["denominator"] > 0) & (usable["count"] >= 0)]
    note = ""
    sii = rii = None
    sii_ci = rii_ci = None
    missing = sorted(set(table["group"]) - set(usable["group"]))
    enough = len(usable) >= 5
    if missing:  # one sentence that never contradicts itself
        note = (f"No residents of {place.name} live in national {grouping}(s) "
                f"{', '.join(map(str, missing))}; "
                + (f"the SII uses the {len(usable)} groups present." if enough else
                   f"with only {len(usable)} groups left, no SII is computed (it needs at "
                   "least 5)."))
    if enough:
        # the SE comes from the 95% Wilson limits, as phe_sii does with lower_cl/upper_cl
        lo95, hi95 = wilson_ci(usable["count"].to_numpy(), usable["denominator"].to_numpy())
        res = compute_sii(usable["denominator"].to_numpy(), usable["value"].to_numpy(),
                          lower_cl=lo95, upper_cl=hi95, value_type="proportion",
                          transform=True, confidence=confidence, repetitions=SII_REPETITIONS)
        sii, rii = res.sii, res.rii
        sii_ci, rii_ci = res.sii_ci[confidence], res.rii_ci[confidence]
    elif not missing:
        note = "Fewer than 5 deprivation groups have residents: no SII is computed."
    return Gradient(indicator_id, name, place.name, grouping, table, _f(sii), _pair(sii_ci),
                    _f(rii), _pair(rii_ci), note.strip(), confidence)


@functools.lru_cache(maxsize=128)  # shared by sessions: read-only to callers
def england_groups(indicator_id: str, grouping: str = "decile",
                   confidence: float = 0.95) -> pd.DataFrame:
    """:func:`group_table` of England's residents: each national group's value for the
    whole country, the same sums as a place's (what that level of deprivation looks like
    nationally, drawn beside a place's gradient)."""
    from explorer.places import registry

    return group_table(decile_counts(indicator_id, registry().get("england")), grouping,
                       confidence)


def england_reference(indicator_id: str, place: Place, grouping: str = "decile",
                      confidence: float = 0.95) -> pd.DataFrame | None:
    """:func:`england_groups` to draw beside ``place``'s gradient (None for England: the
    place's own bars are England's)."""
    return None if place.is_england else england_groups(indicator_id, grouping, confidence)


def health_gradient(indicator_id: str, place: Place, grouping: str = "decile",
                    confidence: float = 0.95) -> Gradient:
    from explorer import indicators

    m = indicators.meta(indicator_id)
    return gradient(m.id, m.short_name, place, decile_counts(m.id, place), grouping,
                    confidence)


iod_gradient = health_gradient


def gradient_indicators() -> dict[str, str]:
    """Indicators with LSOA numerators and denominators, usable on the gradient."""
    from explorer import indicators

    out = {i.id: i.short_name for i in count_indicators().values()}
    for m in indicators.registry().values():
        if m.method == "lsoa" and m.unit == "%":
            out[m.id] = m.short_name
    return out


def any_gradient(indicator_id: str, place: Place, grouping: str = "decile",
                 confidence: float = 0.95) -> Gradient:
    return health_gradient(indicator_id, place, grouping, confidence)


def gradient_sentence(g: Gradient, unit_scale: float = 100) -> str:
    """Plain English, with the CI deciding whether a gradient is claimed."""
    if g.sii is None or g.sii_ci is None:
        return f"{g.name} in {g.place}: not enough deprivation groups to estimate a gradient."
    gap = -g.sii * unit_scale  # SII runs from most (rank 0) to least deprived (rank 1)
    lo, hi = sorted((-g.sii_ci[0] * unit_scale, -g.sii_ci[1] * unit_scale))
    level = f"{g.confidence:.1%}".replace(".0%", "%")
    if lo <= 0 <= hi:
        return (f"{g.name} in {g.place}: no clear gradient by deprivation (modelled gap "
                f"{gap:+.1f} percentage points, {level} CI {lo:+.1f} to {hi:+.1f}).")
    direction = "higher" if gap > 0 else "lower"
    return (f"{g.name} in {g.place} is modelled {abs(gap):.1f} percentage points {direction} "
            f"in the most deprived than in the least deprived neighbourhoods ({level} CI "
            f"{abs(lo):.1f} to {abs(hi):.1f}).")


def _f(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _pair(p: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if p is None else (float(p[0]), float(p[1]))


@dataclass(frozen=True)
class LifeExpectancy:
    sex: str
    value: float | None
    england: float | None
    gap: float | None
    period: str | None
    geography: str
    note: str
    sii: float | None
    sii_england: float | None
    sii_period: str | None
    source: str


def life_expectancy(place: Place) -> list[LifeExpectancy]:
    """Life expectancy at birth with the gap to England, and the published inequality in
    life expectancy (SII, Fingertips 92901) for the same geography, by sex."""
    from explorer import indicators

    out = []
    for sex in ("Male", "Female"):
        le = indicators.indicator_for_place(place, "90366", sex=sex)
        sii = indicators.indicator_for_place(place, "92901", sex=sex)
        gap = None if le.value is None or le.england_value is None else \
            le.value - le.england_value
        out.append(LifeExpectancy(
            sex=sex, value=le.value, england=le.england_value, gap=gap, period=le.period,
            geography=le.geography_used or place.name, note=le.geography_note,
            sii=sii.value, sii_england=sii.england_value, sii_period=sii.period,
            source=indicators.meta("90366").caption))
    return out
