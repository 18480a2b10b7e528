"""Compare places: deprivation profiles, domains, indicators against England, and the gap
to "what good looks like". Pure functions over the snapshot; the page only renders them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.places import Place, registry
from explorer.profile import Profile, lsoa_arrays, lsoa_frame, positions, profile
from explorer.stats.compare import compare_to_benchmark
from explorer.stats.proportions import wilson_ci
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
    """Rank of every district on each population-weighted domain score (1 = most deprived)."""
    from loaders import snapshot

    df = lsoa_frame(vintage)
    if vintage == 2019:
        lad = snapshot.table("geo_lsoa11").set_index("lsoa11cd")["lad19cd"]
    else:
        lad = snapshot.table("geo_lsoa21").set_index("lsoa21cd")["lad24cd"]
    pop = df["pop_total"].astype(float)
    out = {}
    for d in DOMAINS:
        s = (df[f"{d}_score"] * pop).groupby(lad).sum() / pop.groupby(lad).sum()
        out[d] = s.rank(ascending=False, method="min").astype(int)
    return pd.DataFrame(out)


def domain_rows(profiles: list[Profile], places: list[Place]) -> pd.DataFrame:
    rows = []
    for pr, place in zip(profiles, places, strict=True):
        ranks = district_domain_ranks(pr.vintage)
        for d, label in DOMAINS.items():
            score = pr.domain_scores.get(d)
            rank = None
            if place.kind in ("district", "former district") and place.code in ranks.index:
                rank = int(ranks.loc[place.code, d])
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
# Count-based deprivation indicators (IoD2019 File 8 numerators, File 7 denominators)


@dataclass(frozen=True)
class CountIndicator:
    id: str
    name: str
    numerator: str
    denominator: str
    definition: str
    polarity: str = "low_is_good"


DEPRIVATION_INDICATORS: tuple[CountIndicator, ...] = (
    CountIndicator("core20", "Residents in the most deprived 20% (Core20)", "core20",
                   "pop_total", "Residents of LSOAs in national IMD deciles 1–2, IoD2019; "
                   "a census of areas, so no confidence interval applies"),
    CountIndicator("income_deprivation", "Income deprivation", "income_num", "pop_total",
                   "People in income deprivation (IoD2019 File 8 numerator) ÷ mid-2015 "
                   "population"),
    CountIndicator("employment_deprivation", "Employment deprivation", "employment_num",
                   "pop_working_age", "Working-age people involuntarily out of work (File 8) ÷ "
                   "working-age population, mid-2015"),
    CountIndicator("idaci", "Children in income-deprived families (IDACI)", "idaci_num",
                   "pop_0_15", "Children 0–15 in income-deprived families (File 8) ÷ "
                   "population 0–15, mid-2015"),
    CountIndicator("idaopi", "Older people in income deprivation (IDAOPI)", "idaopi_num",
                   "pop_60_plus", "People 60+ in income deprivation (File 8) ÷ population 60+, "
                   "mid-2015"),
)


@dataclass
class IndicatorRow:
    indicator_id: str
    name: str
    place: str
    period: str
    value: float | None
    lower_ci: float | None
    upper_ci: float | None
    count: float | None
    denominator: float | None
    england_value: float | None
    compared_to_england: str
    geography_used: str
    note: str
    source: str
    unit: str = "%"
    polarity: str = "low_is_good"
    small_number: bool = False


def _sum_counts(codes: tuple[str, ...], ind: CountIndicator) -> tuple[float, float, int]:
    """Numerator, denominator and the number of LSOAs left out for a missing numerator."""
    return _sum_counts_cached(tuple(codes), ind.id)


@functools.lru_cache(maxsize=2048)
def _sum_counts_cached(codes: tuple[str, ...], indicator_id: str) -> tuple[float, float, int]:
    ind = next(i for i in DEPRIVATION_INDICATORS if i.id == indicator_id)
    arrays = lsoa_arrays(2019)
    pos, _ = positions(codes, 2019)
    den = arrays.columns[ind.denominator][pos]
    if ind.numerator == "core20":
        num = np.where(arrays.columns["IMD_decile"][pos] <= 2, arrays.columns["pop_total"][pos],
                       0.0)
    else:
        num = arrays.columns[ind.numerator][pos]
    ok = ~(np.isnan(num) | np.isnan(den))
    return float(num[ok].sum()), float(den[ok].sum()), int((~ok).sum())


def deprivation_indicator_rows(place: Place, confidence: float = 0.95) -> list[IndicatorRow]:
    """Count-based IoD2019 indicators for a place with Wilson CIs, compared with England."""
    from loaders import snapshot

    england = registry().get("england")
    source = snapshot.caption("iod2019_lsoa11")
    label = "99.8%" if confidence > 0.99 else "95%"
    out = []
    for ind in DEPRIVATION_INDICATORS:
        num, den, missing = _sum_counts(place.lsoa11, ind)
        e_num, e_den, _ = _sum_counts(england.lsoa11, ind)
        value = num / den if den else None
        e_value = e_num / e_den if e_den else None
        note = ""
        if missing:
            note = (f"{missing} LSOA(s) without a published numerator left out of numerator "
                    "and denominator")
        if ind.id == "core20":
            lo = hi = None
            comp = ("higher" if value > e_value else "lower") if value is not None else \
                "not compared"
            note = (note + "; " if note else "") + "all residents counted: no sampling error"
        else:
            lo, hi = wilson_ci(num, den, confidence) if den else (None, None)
            comp = compare_to_benchmark(value, lo, hi, e_value, ind.polarity, label)
        out.append(IndicatorRow(
            indicator_id=ind.id, name=ind.name, place=place.name, period="IoD2019 (2015–16 data)",
            value=value, lower_ci=lo, upper_ci=hi, count=num, denominator=den,
            england_value=e_value, compared_to_england=comp, geography_used=place.name,
            note=note, source=source, polarity=ind.polarity,
            small_number=ind.id != "core20" and num < SMALL_COUNT))
    return out


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


def summary_sentences(profiles: list[Profile], england: Profile, rows: list[IndicatorRow],
                      ) -> list[str]:
    """Plain-English summary, guarded by the statistics: 'significantly' only when the CI
    rule says so; small numbers flagged."""
    if not profiles:
        return []
    first = profiles[0]
    others = ", ".join(f"{pr.name} {pr.core20_share:.1%}" for pr in profiles[1:])
    s = [f"In {first.name}, {first.core20_share:.1%} of {first.population:,} residents "
         f"(IoD{first.vintage}) live in England's most deprived 20% of neighbourhoods"
         + (f", against {others}" if others else "")
         + f"; England {england.core20_share:.1%}."]
    by_place: dict[str, list[IndicatorRow]] = {}
    for r in rows:
        by_place.setdefault(r.place, []).append(r)
    for place, items in by_place.items():
        own = [r for r in items if r.geography_used in ("", place)]
        worse = [_lower(r.name) for r in own if r.compared_to_england == "worse"]
        better = [_lower(r.name) for r in own if r.compared_to_england == "better"]
        small = [_lower(r.name) for r in own if r.small_number]
        borrowed = sorted({r.geography_used for r in items if r.geography_used not in ("", place)
                           and r.value is not None})
        parts = []
        if worse:
            parts.append("significantly worse than England on " + _join(worse))
        if better:
            parts.append("significantly better than England on " + _join(better))
        if parts:
            s.append(f"{place} is " + ", and ".join(parts) + ".")
        if small:
            s.append(f"{place}: small numbers for {_join(small)}; treat with caution.")
        if borrowed:
            s.append(f"For {place}, indicators published only for larger areas are shown for "
                     f"{_join(borrowed)} and are not summarised here.")
    return s


def _lower(name: str) -> str:
    """Lower-case the first letter only, keeping acronyms (IDACI, COPD) intact."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


#: The health indicators shown side by side on the compare page (the rest are one click away).
KEY_HEALTH_INDICATORS: tuple[str, ...] = (
    "90366", "90362", "93721", "92443", "93085", "qof-hyp", "qof-copd", "qof-mh", "qof-dep",
    "qof-dm", "dwp-cilif-pct", "94063", "census-65plus",
)


def health_indicator_rows(place: Place, confidence: float = 0.95,
                          ids: tuple[str, ...] | None = KEY_HEALTH_INDICATORS,
                          ) -> list[IndicatorRow]:
    """Health indicators from the indicator store, on the same footing as the deprivation
    rows: percentages as fractions, CIs at the chosen level where counts allow."""
    from explorer import indicators

    label = "99.8%" if confidence > 0.99 else "95%"
    out = []
    # explorer.indicators caches per place (sets of LSOAs), so no second cache here
    for pv in indicators.indicators_for_place(place, ids=ids):
        m = indicators.meta(pv.indicator_id)
        scale = 0.01 if m.unit == "%" else 1.0
        lo, hi, comp = pv.lower_ci, pv.upper_ci, pv.compared_to_england
        note = pv.geography_note
        if confidence != 0.95 and pv.count is not None and pv.denominator and \
                m.ci_method == "Wilson" and m.unit == "%":
            lo_f, hi_f = wilson_ci(pv.count, pv.denominator, confidence)
            lo, hi = lo_f * 100, hi_f * 100
            comp = compare_to_benchmark(pv.value, lo, hi, pv.england_value, m.polarity, label)
        elif confidence != 0.95 and lo is not None:
            note = (note + "; " if note else "") + "95% interval as published"
        name = m.short_name + (f" ({pv.sex.lower()})" if pv.sex in ("Male", "Female") and
                               m.unit == "years" else "")
        out.append(IndicatorRow(
            indicator_id=pv.indicator_id, name=name, place=place.name,
            period=pv.period or "", value=_scaled(pv.value, scale),
            lower_ci=_scaled(lo, scale), upper_ci=_scaled(hi, scale), count=pv.count,
            denominator=pv.denominator, england_value=_scaled(pv.england_value, scale),
            compared_to_england=comp,
            geography_used=place.name if pv.geography_used in (place.name, place.label)
            else (pv.geography_used or ""), note=note,
            source=m.caption, unit=m.unit, polarity=m.polarity,
            small_number=bool(pv.small_number)))
    return out


def _scaled(x: float | None, scale: float) -> float | None:
    return None if x is None else x * scale


def place_indicator_rows(place: Place, confidence: float = 0.95) -> list[IndicatorRow]:
    """Every indicator we can honestly show for a place: the count-based deprivation
    indicators, then the key health indicators of the indicator store."""
    return deprivation_indicator_rows(place, confidence) + health_indicator_rows(place,
                                                                                  confidence)


def format_value(value: float | None, unit: str) -> str:
    """A value as people read it: '45.4%', '78.3 years', '184.1 per 100,000'."""
    if value is None or pd.isna(value):
        return "–"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:,.1f} {unit}"


def indicator_frame(rows: list[IndicatorRow]) -> pd.DataFrame:
    df = pd.DataFrame([r.__dict__ for r in rows])
    if df.empty:
        return df
    df["value_display"] = [format_value(v, u) for v, u in zip(df["value"], df["unit"],
                                                              strict=True)]
    df["ci_display"] = [
        "–" if lo is None or pd.isna(lo) else
        f"{format_value(lo, u)} to {format_value(hi, u)}"
        for lo, hi, u in zip(df["lower_ci"], df["upper_ci"], df["unit"], strict=True)]
    df["england_display"] = [format_value(v, u) for v, u in zip(df["england_value"], df["unit"],
                                                                strict=True)]
    return df


# --------------------------------------------------------------------------------------
# What good looks like, indicator by indicator

NORTH_WEST_CODE = "E12000002"


@functools.lru_cache(maxsize=256)
def north_west_best(indicator_id: str, name: str, confidence: float = 0.95,
                    ) -> tuple[str, float] | None:
    """The North West district with the best value of an indicator (by its polarity), using
    only districts' own figures (never a value borrowed from a larger area)."""
    from loaders import snapshot

    if indicator_id in {i.id for i in DEPRIVATION_INDICATORS}:
        codes = set(snapshot.table("geo_lsoa11").query("rgn19cd == @NORTH_WEST_CODE")["lad19cd"])
        districts = [p for k in ("district", "former district") for p in registry().all(k)
                     if p.code in codes]
        rows = [r for p in districts for r in deprivation_indicator_rows(p, confidence)
                if r.indicator_id == indicator_id]
    else:
        codes = set(snapshot.table("geo_lsoa21").query("rgncd == @NORTH_WEST_CODE")["lad24cd"])
        districts = [p for p in registry().all("district") if p.code in codes]
        rows = [r for p in districts for r in health_indicator_rows(p, confidence,
                                                                    ids=(indicator_id,))]
    rows = [r for r in rows if r.value is not None and r.geography_used == r.place
            and r.polarity in ("high_is_good", "low_is_good") and r.name == name]
    if not rows:
        return None
    pick = max if rows[0].polarity == "high_is_good" else min
    best = pick(rows, key=lambda r: r.value)
    return best.place, float(best.value)


def what_good_looks_like(rows: list[IndicatorRow]) -> pd.DataFrame:
    """For each place and indicator with a polarity: the best North West district, England,
    and the gap as a number (people, where counts allow)."""
    out = []
    for r in rows:
        if r.value is None or r.polarity not in ("high_is_good", "low_is_good") or \
                r.geography_used not in ("", r.place) or r.indicator_id == "core20":
            continue
        best = north_west_best(r.indicator_id, r.name)
        if best is None:
            continue
        best_place, best_value = best
        worse_by = (r.value - best_value) if r.polarity == "low_is_good" else \
            (best_value - r.value)
        if worse_by <= 0:
            gap = "at or better than the best North West district"
        elif r.unit == "%" and r.denominator:
            people = round(worse_by * r.denominator)
            gap = (f"{people:,} {'fewer' if r.polarity == 'low_is_good' else 'more'} people "
                   f"to match {best_place}")
        elif r.unit == "%":
            gap = f"{worse_by * 100:.1f} percentage points to match {best_place}"
        else:
            gap = f"{format_value(worse_by, r.unit)} to match {best_place}"
        out.append({"Place": r.place, "Indicator": r.name,
                    "Value": format_value(r.value, r.unit),
                    "Best North West district": f"{best_place} "
                                                f"({format_value(best_value, r.unit)})",
                    "England": format_value(r.england_value, r.unit), "Gap": gap,
                    "Period": r.period})
    return pd.DataFrame(out)
