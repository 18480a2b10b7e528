"""Compare places: deprivation profiles, domains, indicators against England, and the gap
to "what good looks like". Pure functions over the snapshot; the page only renders them.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from explorer import indicators
from explorer.places import Place, registry
from explorer.profile import Profile, lsoa_frame, official_summaries, profile
from explorer.registry import format_interval, format_value
from explorer.values import CONTAINING, OWN, PlaceValue
from loaders.deprivation import DOMAINS

SMALL_COUNT = 10  # Fingertips convention: counts below 10 are too small to compare reliably


def decile_rows(profiles: list[Profile]) -> pd.DataFrame:
    """Long frame (place, decile, population, share) for the 100%-stacked decile chart."""
    rows = []
    for pr in profiles:
        for d, popn in enumerate(pr.decile_population, start=1):
            rows.append({"place": pr.name, "decile": d, "population": popn,
                         "share": popn / pr.population if pr.population else 0.0})
    return pd.DataFrame(rows)


@functools.cache
def _sorted_scores(vintage: int, domain: str) -> np.ndarray:
    return np.sort(lsoa_frame(vintage)[f"{domain}_score"].dropna().to_numpy())


def national_percentile(score: float | None, vintage: int, domain: str) -> float | None:
    """Share of England's LSOAs with a lower score (0 = least deprived, 100 = most)."""
    if score is None:
        return None
    arr = _sorted_scores(vintage, domain)
    return float(np.searchsorted(arr, score) / len(arr) * 100)


@functools.cache
def district_domain_ranks(vintage: int) -> pd.DataFrame:
    """MHCLG's rank of average score on each domain for every district MHCLG summarises
    (1 = most deprived; IoD2019: LAD 2019, IoD2025: LAD 2024), as published — the same
    figures the profile, Overview and Map show."""
    t = official_summaries(vintage, "district")
    assert t is not None
    return pd.DataFrame({d: t[f"{d.lower()}_rank_of_average_score"].astype(int)
                         for d in DOMAINS})


def domain_rows(profiles: list[Profile], places: list[Place]) -> pd.DataFrame:
    rows = []
    for pr, _place in zip(profiles, places, strict=True):
        ranks = district_domain_ranks(pr.vintage)
        for d, label in DOMAINS.items():
            score = pr.domain_scores.get(d)
            rank = None
            if pr.district_rank is not None and pr.official_area_code in ranks.index:
                rank = int(ranks.loc[pr.official_area_code, d])
            rows.append({"place": pr.name, "domain": label, "domain_key": d, "score": score,
                         "percentile": national_percentile(score, pr.vintage, d),
                         "district_rank": rank, "districts": len(ranks)})
    return pd.DataFrame(rows)


def domain_finding(rows: pd.DataFrame) -> str:
    """'Workington is most deprived on employment, Eden on barriers to housing' style title."""
    parts = []
    for place, grp in rows.dropna(subset=["percentile"]).groupby("place", sort=False):
        top = grp.sort_values("percentile", ascending=False).iloc[0]
        parts.append(f"{place} on {top['domain'].lower()}")
    if not parts:
        return "Deprivation by domain"
    return "Relative to England, each place is most deprived on: " + "; ".join(parts)


# --------------------------------------------------------------------------------------
# Indicator rows: PlaceValue records of the place-value engine (explorer.values)

#: One record for "a value for a place" everywhere (compare rows, brief, card, CLI).
IndicatorRow = PlaceValue


def _pct(confidence: float) -> float:
    """The pages' 0.95 / 0.998 as the engine's 95 / 99.8 (percent)."""
    return 99.8 if confidence > 0.99 else 95.0


def deprivation_ids() -> tuple[str, ...]:
    """The IoD2019 count indicators (registry tag ``deprivation``), in file order."""
    return tuple(m.id for m in indicators.registry().tagged("deprivation"))


def key_health_ids() -> tuple[str, ...]:
    """The health indicators shown side by side on the compare page (tag ``compare``)."""
    return tuple(m.id for m in indicators.registry().tagged("compare")
                 if "deprivation" not in m.tags)


def deprivation_indicator_rows(place: Place, confidence: float = 0.95,
                               prefer: str = "own") -> list[PlaceValue]:
    """Count-based IoD2019 indicators for a place (Wilson CIs; Core20 an exact count)."""
    return indicators.indicators_for_place(place, ids=deprivation_ids(),
                                           confidence=_pct(confidence), prefer=prefer)


def health_indicator_rows(place: Place, confidence: float = 0.95,
                          ids: tuple[str, ...] | None = None, prefer: str = "own",
                          ) -> list[PlaceValue]:
    """Indicators of the store for a place (default: the compare page's key ones), at the
    chosen level where intervals are computed; published 95% limits stay as published."""
    return indicators.indicators_for_place(
        place, ids=key_health_ids() if ids is None else ids, confidence=_pct(confidence),
        prefer=prefer)


def place_indicator_rows(place: Place, confidence: float = 0.95,
                         prefer: str = "own") -> list[PlaceValue]:
    """Every indicator the compare page shows for a place: the count-based deprivation
    indicators, then the key health indicators of the indicator store."""
    return (deprivation_indicator_rows(place, confidence, prefer)
            + health_indicator_rows(place, confidence, prefer=prefer))


def upload_row(*, indicator_id: str, name: str, place: str, period: str,
               value: float | None, lower_ci: float | None, upper_ci: float | None,
               count: float | None, denominator: float | None,
               england_value: float | None, compared_to_england: str,
               geography_used: str, note: str, source: str, unit: str = "%",
               polarity: str = "low_is_good", small_number: bool = False,
               confidence: float | None = None) -> PlaceValue:
    """An uploaded indicator's value as a :class:`PlaceValue` (uploads give "%" values as
    fractions; the record is on the unit's scale, so they are multiplied by 100)."""
    k = 100.0 if unit == "%" else 1.0
    lent = "not the place's own" in note  # the upload's wording for a containing area

    def sc(x: float | None) -> float | None:
        return None if x is None else x * k

    return PlaceValue(
        indicator_id=indicator_id, name=name, period=period, sex=None, value=sc(value),
        lower_ci=sc(lower_ci), upper_ci=sc(upper_ci), count=count, denominator=denominator,
        england_value=sc(england_value), compared_to_england=compared_to_england,
        geography_used=geography_used, geography_note=note, source=source, unit=unit,
        small_number=small_number, method="uploaded",
        confidence=confidence if lower_ci is not None else None,
        comparison_confidence=confidence if lower_ci is not None else None,
        interval_method="Wilson" if lower_ci is not None else "",
        fit="none" if value is None else (CONTAINING if lent else OWN),
        lender=geography_used if lent else None, computed=True,
        place=place, polarity=polarity, short_name=name)


def headline(rows: list[PlaceValue], label: str) -> str:
    """The forest chart's finding: worse-than-England among the places' own values, with
    values taken from larger areas counted separately."""
    own = [r for r in rows if not r.borrowed]
    borrowed = len(rows) - len(own)
    worse = sum(r.compared_to_england == "worse" for r in own)
    text = (f"{worse} of {len(own)} place–indicator values are significantly worse than "
            f"England ({label} CI)")
    if borrowed:
        text += f", and {borrowed} value{'s' if borrowed != 1 else ''} taken from larger areas"
    return text


def forest_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows the forest chart draws: percentages with an interval (page and brief)."""
    if frame.empty:
        return frame
    keep = (frame["value"].notna() & (frame["unit"] == "%") & frame["lower_ci"].notna())
    return frame[keep.to_numpy(dtype=bool)]  # one copy of the rows, not two


def summary_sentences(profiles: list[Profile], england: Profile, rows: list[PlaceValue],
                      ) -> list[str]:
    """Plain-English summary, guarded by the statistics: 'significantly' only when the CI
    rule says so; small numbers flagged; values of larger areas named, never summarised."""
    if not profiles:
        return []
    first = profiles[0]
    others = ", ".join(f"{pr.name} {pr.core20_share:.1%}" for pr in profiles[1:])
    s = [f"In {first.name}, {first.core20_share:.1%} of {first.population:,} residents "
         f"(IoD{first.vintage}) live in England's most deprived 20% of neighbourhoods"
         + (f", against {others}" if others else "")
         + f"; England {england.core20_share:.1%}."]
    by_place: dict[str, list[PlaceValue]] = {}
    for r in rows:
        by_place.setdefault(r.place, []).append(r)
    for place, items in by_place.items():
        own = [r for r in items if not r.borrowed]
        worse = [_lower(r.label) for r in own if r.compared_to_england == "worse"]
        better = [_lower(r.label) for r in own if r.compared_to_england == "better"]
        small = [_lower(r.label) for r in own if r.small_number]
        lent = [r for r in items if r.borrowed and r.value is not None]
        parts = []
        if worse:
            parts.append("significantly worse than England on " + _join(worse))
        if better:
            parts.append("significantly better than England on " + _join(better))
        if parts:
            s.append(f"{place} is " + ", and ".join(parts) + ".")
        if small:
            s.append(f"{place}: small numbers for {_join(small)}; treat with caution.")
        if lent:
            lenders = sorted({r.lender or r.geography_used or "" for r in lent})
            s.append(f"For {place}, {len(lent)} value{'s' if len(lent) != 1 else ''} "
                     f"({_join(sorted({_lower(r.label) for r in lent}))}) "
                     f"{'are' if len(lent) != 1 else 'is'} published only for larger areas "
                     f"and taken from {_join(lenders)}; not summarised here.")
    return s


def _lower(name: str) -> str:
    """Lower-case the first letter only, keeping acronyms (IDACI, COPD) intact."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def indicator_frame(rows: list[PlaceValue]) -> pd.DataFrame:
    """The records as a frame (one row per record, plus display columns) for tables,
    charts and CSV exports."""
    df = pd.DataFrame([{**r.to_dict(), "label": r.label} for r in rows])
    if df.empty:
        return df
    df["value_display"] = [format_value(v, u) for v, u in zip(df["value"], df["unit"],
                                                              strict=True)]
    df["ci_display"] = [
        "–" if lo is None or pd.isna(lo) else
        "{} to {}".format(*format_interval(lo, hi, u))
        for lo, hi, u in zip(df["lower_ci"], df["upper_ci"], df["unit"], strict=True)]
    df["england_display"] = [format_value(v, u) for v, u in zip(df["england_value"], df["unit"],
                                                                strict=True)]
    df["taken_from"] = [lender if b else "" for lender, b in
                        zip(df["lender"], df["borrowed"], strict=True)]
    return df


# --------------------------------------------------------------------------------------
# What does good look like


def best_in(places: list[Place], vintage: int = 2019) -> tuple[Place, Profile]:
    """The place with the lowest Core20 share (ties: the lower IMD score)."""
    profs = [(p, profile(p, vintage)) for p in places]
    profs = [(p, pr) for p, pr in profs if pr.population]
    return min(profs, key=lambda t: (t[1].core20_share, t[1].imd_score or 0))


def core20_gap(pr: Profile, benchmark_share: float) -> int:
    """Residents who would have to live outside the Core20 for the place to match the
    benchmark share (0 when the place already does)."""
    return max(0, round(pr.core20_population - benchmark_share * pr.population))


# --------------------------------------------------------------------------------------
# What good looks like, indicator by indicator

NORTH_WEST_CODE = "E12000002"


@functools.lru_cache(maxsize=256)
def north_west_best(indicator_id: str, label: str, confidence: float = 0.95,
                    ) -> tuple[str, float] | None:
    """The North West district with the best value of an indicator (by its polarity), using
    only districts' own figures (never a value borrowed from a larger area). IoD2019
    counts use the 2019 districts; everything else the 2024 districts."""
    from loaders import snapshot

    if indicator_id in deprivation_ids():
        codes = set(snapshot.table("geo_lsoa11").query("rgn19cd == @NORTH_WEST_CODE")["lad19cd"])
        districts = [p for k in ("district", "former district") for p in registry().all(k)
                     if p.code in codes]
    else:
        codes = set(snapshot.table("geo_lsoa21").query("rgncd == @NORTH_WEST_CODE")["lad24cd"])
        districts = [p for p in registry().all("district") if p.code in codes]
    rows = [r for p in districts
            for r in health_indicator_rows(p, confidence, ids=(indicator_id,), prefer="latest")]
    rows = [r for r in rows if r.value is not None and r.fit == OWN
            and r.polarity in ("high_is_good", "low_is_good") and r.label == label]
    if not rows:
        return None
    pick = max if rows[0].polarity == "high_is_good" else min
    best = pick(rows, key=lambda r: r.value)
    return best.place, float(best.value)


def what_good_looks_like(rows: list[PlaceValue]) -> pd.DataFrame:
    """For each place and indicator with a polarity: the best North West district, England,
    and the gap as a number (people, where counts allow)."""
    out = []
    for r in rows:
        if r.value is None or r.polarity not in ("high_is_good", "low_is_good") or \
                r.fit != OWN or r.indicator_id == "core20" or r.method == "uploaded":
            continue
        best = north_west_best(r.indicator_id, r.label)
        if best is None:
            continue
        best_place, best_value = best
        worse_by = (r.value - best_value) if r.polarity == "low_is_good" else \
            (best_value - r.value)
        if worse_by <= 0:
            gap = "at or better than the best North West district"
        elif r.unit == "%" and r.denominator:
            people = round(worse_by / 100 * r.denominator)
            gap = (f"{people:,} {'fewer' if r.polarity == 'low_is_good' else 'more'} people "
                   f"to match {best_place}")
        elif r.unit == "%":
            gap = f"{worse_by:.1f} percentage points to match {best_place}"
        else:
            gap = f"{format_value(worse_by, r.unit)} to match {best_place}"
        out.append({"Place": r.place, "Indicator": r.label,
                    "Value": format_value(r.value, r.unit),
                    "Best North West district": f"{best_place} "
                                                f"({format_value(best_value, r.unit)})",
                    "England": format_value(r.england_value, r.unit), "Gap": gap,
                    "Period": r.period})
    return pd.DataFrame(out)
