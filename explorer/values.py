"""The place-value engine: every value the app shows for a place comes from here.

Why one module: the same figure used to be computed along several paths that disagreed
(page vs brief, interval shown vs interval that decided, borrowed values looking like the
place's own). :func:`indicator_for_place` resolves which geography can give a place a
value and returns one :class:`PlaceValue` on the indicator's own scale (percent for "%"):

* LSOA-based and derived indicators (QOF attributed, Census ages, rural share, the IoD2019
  counts behind Core20 and the income, employment, IDACI and IDAOPI rates) sum numerators
  and denominators over the place's LSOAs through :class:`explorer.geography.LsoaData`;
* published indicators use the place's own row (or an area with exactly its LSOAs); else,
  for additive counts and crude proportions, the sum over the whole districts (or MSOAs) it
  is made of; else the single district that contains it (2019, then its 2023 successor,
  then its county or sub-ICB), marked ``fit="containing area"`` with the lender's name; a
  place spanning several districts gets no value rather than an invented one;
* MSOA values without counts are never combined (one MSOA, or the range across them).

Intervals: the limits a record carries are the limits its comparison was decided on.
Published limits are kept as published (95%) and decide; limits are computed (Wilson via
PHStatsMethods' method, :mod:`explorer.stats.proportions`) only where none are published
but counts are, at the requested level (default: the indicator's Fingertips level).
Published "compared to England" labels are kept as published and say so.

Former districts: by default (``prefer="own"``) a published indicator is shown for the
latest period with the place's own figure when one exists (Eden's life expectancy up to
2019-21), else for the latest period, borrowed from the containing area if need be.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from explorer import geography as geog
from explorer import store
from explorer.geography import ENGLAND
from explorer.places import Place
from explorer.registry import IndicatorMeta, format_value, meta, registry
from explorer.stats.compare import (
    HIGHER,
    LOWER,
    NOT_COMPARED,
    SIMILAR,
    SMALL_NUMBER_THRESHOLD,
    compare_to_benchmark,
)
from explorer.stats.proportions import wilson_ci

#: How a value fits the place: its own figure, a containing area's, or part of it.
OWN, CONTAINING, PARTIAL, NONE = "own", "containing area", "partial", "none"
FITS = (OWN, CONTAINING, PARTIAL, NONE)
#: ``prefer``: the latest period (borrowing if need be) or the place's own latest figure.
PREFER = ("own", "latest")


@dataclass
class PlaceValue:
    """A value for a place: the one record every page, the brief, exports and the CLI use.

    Scale: the indicator's unit (a "%" value of 15.2 means 15.2%). ``lower_ci``/``upper_ci``
    are at ``confidence`` (95 for published limits) and are the limits
    ``compared_to_england`` was decided on (``comparison_confidence``), unless the label is
    Fingertips' own (``comparison_basis == "as published"``). ``count``/``denominator``
    refer to ``age_group`` where the register is age-restricted. ``fit`` says whether this
    is the place's own figure, a containing area's (``lender`` names it) or a partial fit;
    ``computed`` whether the app computed the value (sums) rather than took it as published.
    """

    indicator_id: str
    name: str
    period: str | None
    sex: str | None
    value: float | None
    lower_ci: float | None
    upper_ci: float | None
    count: float | None
    denominator: float | None
    england_value: float | None
    compared_to_england: str
    geography_used: str | None
    geography_note: str
    source: str
    unit: str
    small_number: bool
    geography_code: str | None = None
    method: str = ""
    age: str | None = None
    value_note: str | None = None
    comparison_basis: str = ""
    value_range: tuple[float, float] | None = None
    n_areas: int | None = None
    confidence: float | None = None
    comparison_confidence: float | None = None
    interval_method: str = ""
    fit: str = NONE
    lender: str | None = None
    computed: bool = False
    age_group: str | None = None
    place: str = ""
    place_id: str = ""
    polarity: str = "no_judgement"
    short_name: str = ""

    @property
    def label(self) -> str:
        """The short name for tables and charts, with the sex where both are shown."""
        name = self.short_name or self.name
        return name + (f" ({self.sex.lower()})" if self.sex in ("Male", "Female") else "")

    @property
    def note(self) -> str:
        return self.geography_note

    @property
    def borrowed(self) -> bool:
        """The value is a containing area's, not the place's own."""
        return self.fit == CONTAINING

    @property
    def interval_label(self) -> str:
        """'95% (published)', '99.8% Wilson' or '' when there are no limits."""
        if self.confidence is None or self.lower_ci is None:
            return ""
        level = f"{self.confidence:g}%"
        return f"{level} ({self.interval_method})" if self.interval_method else level

    @property
    def label_without_limits(self) -> bool:
        """The comparison is the publisher's own label and the published data carry no
        limits for it (Fingertips' district extracts: life expectancy, smoking, ...)."""
        return published_label_without_limits(self.comparison_basis, self.lower_ci,
                                              self.compared_to_england)

    @property
    def decided_on(self) -> str:
        """What ``compared_to_england`` was decided on, in words, for every place it is shown
        (card line, chart tooltip, table twin). A published label whose limits the published
        data do not carry says so, rather than standing alone beside the value."""
        if self.comparison_basis != "as published":
            return self.comparison_basis
        if self.compared_to_england == NOT_COMPARED:
            return "not compared in the published data"
        level = _label(self.comparison_confidence)
        if self.label_without_limits:
            return f"OHID's own {level} comparison; its limits are not in the published data"
        return f"OHID's own {level} comparison, on the limits shown"

    def to_dict(self) -> dict[str, Any]:
        # shallow: every field is a scalar or a tuple of scalars, and dataclasses.asdict's
        # recursive deep copy was most of the Compare table's build time
        out = {f: getattr(self, f) for f in _FIELD_NAMES}
        out["note"] = self.geography_note
        out["borrowed"] = self.borrowed
        out["interval"] = self.interval_label
        out["label"] = self.label
        out["decided_on"] = self.decided_on
        out["label_without_limits"] = self.label_without_limits
        return out


_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(PlaceValue))


def published_label_without_limits(basis: str | None, lower: float | None,
                                   compared: str | None) -> bool:
    """A judged comparison that is the publisher's own label, with no limits in the data
    (:attr:`PlaceValue.label_without_limits`, for records kept as dicts or frame rows)."""
    missing = lower is None or (isinstance(lower, float) and math.isnan(lower))
    return basis == "as published" and missing and compared not in (None, NOT_COMPARED)


_f = store.as_float  # one definition of "a number or nothing"


def _s(x: Any) -> str | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA \
        else str(x)


def _label(level: float | None) -> str:
    return "99.8%" if level == 99.8 else "95%"


def _compare(m: IndicatorMeta, value: float | None, lower: float | None,
             upper: float | None, conf: float | None, how: str, england: float | None,
             published: str | None, is_england: bool,
             ) -> tuple[str, str, float | None]:
    """(comparison, basis, level): the published label first, then the limits carried."""
    if is_england or value is None:
        return NOT_COMPARED, "", None
    if published:
        return published, "as published", registry()[m.id].compare_confidence
    if england is None:
        return NOT_COMPARED, "no England value", None
    if m.ci_method == "none" and m.method == "derived":
        # a complete classification of every resident (Core20, rural): no sampling error
        comp = SIMILAR if math.isclose(value, england, rel_tol=1e-12) else (
            HIGHER if value > england else LOWER)
        return comp, "exact count (no sampling error)", None
    if lower is not None and upper is not None and conf is not None:
        basis = f"{_label(conf)} Wilson CI" if how == "Wilson" else f"{how} {_label(conf)} CI"
        return (compare_to_benchmark(value, lower, upper, england, m.polarity, _label(conf)),
                basis, conf)
    return NOT_COMPARED, "no confidence interval", None


def _wilson(count: float, den: float, confidence: float) -> tuple[float, float]:
    """Scalar Wilson limits (0-1 scale), memoised: the compare page asks for the same sums."""
    key = (count, den, confidence)
    hit = _WILSON.get(key)
    if hit is None:
        lo, hi = wilson_ci(count, den, confidence)
        hit = _WILSON[key] = (float(lo), float(hi))
        if len(_WILSON) > 16384:
            _WILSON.clear()
    return hit


_WILSON: dict[tuple[float, float, float], tuple[float, float]] = {}


def _result(m: IndicatorMeta, *, period: str | None, sex: str | None,
            from_counts: bool = False,
            value: float | None = None, lower: float | None = None,
            upper: float | None = None, count: float | None = None,
            den: float | None = None, england: float | None = None,
            published: str | None = None, used: str | None = None,
            code: str | None = None, note: str = "", age: str | None = None,
            value_note: str | None = None, is_england: bool = False,
            value_range: tuple[float, float] | None = None,
            n_areas: int | None = None, fit: str = OWN,
            lender: str | None = None) -> PlaceValue:
    """Assemble the record. ``m.compare_confidence`` is the requested level."""
    lower, upper = _f(lower), _f(upper)
    conf: float | None = None
    how = ""
    if lower is not None and upper is not None:
        conf, how = 95.0, "published"
    else:
        lower = upper = None
        wilson = m.value_type == "proportion" and (m.ci_method == "Wilson" or from_counts)
        if value is not None and wilson and count is not None and den:
            conf = m.compare_confidence
            lo, hi = _wilson(count, den, conf / 100)
            lower, upper, how = lo * m.multiplier, hi * m.multiplier, "Wilson"
    comp, basis, comp_conf = _compare(m, value, lower, upper, conf, how, england,
                                      published, is_england)
    small = bool(value is not None and count is not None and m.value_type != "count"
                 and m.ci_method != "none" and count < SMALL_NUMBER_THRESHOLD)
    if value is None and value_range is None:
        fit, lender = NONE, None
    return PlaceValue(
        indicator_id=m.id, name=m.name, period=period, sex=sex, value=value,
        lower_ci=lower, upper_ci=upper, count=count, denominator=den,
        england_value=england, compared_to_england=comp, geography_used=used,
        geography_note=note, source=m.source, unit=m.unit, small_number=small,
        geography_code=code, method=m.method, age=age, value_note=value_note,
        comparison_basis=basis, value_range=value_range, n_areas=n_areas,
        confidence=conf, comparison_confidence=comp_conf, interval_method=how, fit=fit,
        lender=lender, computed=from_counts or m.method in ("lsoa", "derived"),
        age_group=m.age_group, polarity=m.polarity, short_name=m.short_name)


def _row_result(m: IndicatorMeta, sl: store.Slice, i: int, *, period: str, sex: str,
                used: str, note: str, is_england: bool = False, fit: str = OWN,
                lender: str | None = None) -> PlaceValue:
    published = bool(sl.published_ci[i])
    return _result(
        m, period=period, sex=sex, value=_f(sl.value[i]),
        lower=_f(sl.lower[i]) if published else None,
        upper=_f(sl.upper[i]) if published else None, count=_f(sl.count[i]),
        den=_f(sl.den[i]), england=sl.england, published=_s(sl.compared[i]), used=used,
        code=str(sl.codes[i]), note=note, age=_s(sl.age[i]),
        value_note=_s(sl.value_note[i]), is_england=is_england, fit=fit, lender=lender)


def _lsoa_sum(m: IndicatorMeta, place: Place, period: str, sex: str, lsoa: geog.LsoaData,
              lsoas: geog.LsoaSet, england: float | None) -> PlaceValue:
    year = lsoas.year
    n_present, count, den = lsoa.total(lsoas)
    if not n_present:
        return _result(m, period=period, sex=sex, england=england, used=place.label,
                       note=f"None of the place's LSOAs ({year}) has data.")
    value = count / den * m.multiplier if den > 0 else None
    missing = lsoas.n_unique - n_present
    what = ("QOF prevalence attributed from GP practices by registered patients"
            if m.method == "lsoa" else store.DERIVED[m.id].what)
    note = f"Sum over {n_present:,} LSOAs ({year}) of {what}."
    if missing:
        note += f" {missing} of the place's LSOAs have no data and are left out."
    return _result(m, period=period, sex=sex, value=value, count=count, den=den,
                   england=england, used=place.label, code=place.code, note=note,
                   is_england=place.kind == "country", n_areas=n_present,
                   from_counts=m.ci_method != "none")  # LSOAs without data: in the note


def _msoa_values(m: IndicatorMeta, place: Place, geo: geog.LsoaSet, period: str, sex: str,
                 sl: store.Slice) -> PlaceValue:
    areas, n = geo.count_arrays("msoa11")  # the place's MSOAs, most LSOAs first
    first, nrows = sl.msoa_areas()
    inside = nrows[areas] > 0
    have, n_have = areas[inside], n[inside]
    if not len(have):
        return _result(m, period=period, sex=sex, used=None,
                       note="Published for MSOAs only; none covers this place.")
    names = geog.level_codes("msoa11")[1]
    sizes = geog.level_numbers("msoa11")[1]
    if len(have) == 1:
        a = have[0]
        code = str(names[a])
        exact = sizes[a] == n_have[0]
        how = "this place is that MSOA" if exact else "the MSOA containing this place is shown"
        return _result(m, period=period, sex=sex,  # an area listed twice has no one value
                       value=_f(sl.value[first[a]]) if nrows[a] == 1 else None,
                       used=geog.label(code), code=code,
                       note=f"Published for MSOAs only (values without counts); {how}.",
                       n_areas=1, fit=OWN if exact else CONTAINING,
                       lender=None if exact else geog.label(code))
    if (nrows[have] == 1).all():
        vals = sl.value[first[have]]
    else:
        rows = sl.msoa_rows()
        vals = sl.value[[i for a in have for i in rows[names[a]]]]
    vals = vals[~np.isnan(vals)]
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (math.nan, math.nan)
    partial = int((sizes[have] != n_have).sum())
    note = (f"Published for MSOAs without counts, so no combined value can be made for a "
            f"place covering {len(have):,} MSOAs; they range from {lo:.1f} to {hi:.1f}{m.unit}")
    note += f" ({partial} only partly inside the place)." if partial else "."
    return _result(m, period=period, sex=sex, used=f"{len(have):,} MSOAs", note=note,
                   value_range=(lo, hi), n_areas=len(have), fit=PARTIAL)


def _sum_units(m: IndicatorMeta, place: Place, sl: store.Slice, units: list[str], kind: str, *,
               period: str, sex: str) -> PlaceValue | str:
    """Sum counts (and denominators) over whole areas; else the reason it cannot be done."""
    missing = [u for u in units if u not in sl.first]
    names = [geog.name_of_code().get(u, (u, ""))[0] for u in units]
    if missing:
        miss = ", ".join(geog.name_of_code().get(u, (u, ""))[0] for u in missing[:6])
        return (f"it is made of {len(units):,} whole {kind}, but {len(missing):,} of them "
                f"({miss}{', ...' if len(missing) > 6 else ''}) have no value for {period}")
    idx = [i for u in units for i in sl.rows_of(u)]
    counts = sl.count[idx]
    no_count = np.isnan(counts)
    suppressed = no_count & np.array([sl.nil(i) for i in idx], dtype=bool)
    if (no_count & ~suppressed).any() or (
            m.value_type == "proportion" and np.isnan(sl.den[idx]).any()):
        return f"it is made of {len(units):,} whole {kind}, but not all have published counts"
    count = float(np.where(no_count, 0.0, counts).sum())
    den: float | None = None
    if m.value_type == "proportion":
        den = float(sl.den[idx].sum())
        value = count / den * m.multiplier if den > 0 else None
    else:
        value = count
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    note = f"Sum over the {len(units):,} {kind} the place is made of ({shown})."
    if suppressed.any():
        note += f" {int(suppressed.sum())} nil or negligible ('..') counted as 0."
    return _result(m, period=period, sex=sex, value=value, count=count, den=den,
                   england=sl.england, used=place.label, code=place.code,
                   note=note, n_areas=len(units), from_counts=m.ci_method != "none")


def _district_range(m: IndicatorMeta, sl: store.Slice, geo: geog.LsoaSet,
                    period: str) -> str:
    """What the districts' own published values span, lowest and highest named: the answer a
    place spanning districts can still have when no combined value can be made. The
    districts of 2019 or of 2024 (after Cumbria's merger), whichever have more values in
    the period, that have at least half of their LSOAs in the place."""
    best: tuple[list[tuple[float, str]], int, str] = ([], 0, "lad19")
    for level in ("lad19", "lad24"):
        number, sizes = geog.level_numbers(level)
        # districts mostly inside the place: one stray LSOA does not bring its district in
        codes = [c for c, k in geo.counts(level).items() if 2 * k >= sizes[number[c]]]
        have = [(float(sl.value[sl.first[c]]), c) for c in codes
                if c in sl.first and not math.isnan(float(sl.value[sl.first[c]]))]
        if len(have) > len(best[0]):
            best = (have, len(codes), level)
    have, n, level = best
    if len(have) < 2:
        return ""
    (lo, lo_code), (hi, hi_code) = min(have), max(have)
    names = geog.names(level)
    count = f"all {n}" if len(have) == n else f"{len(have)} of the {n}"
    year = "2019" if level == "lad19" else "2024"
    return (f" In {period} the districts' own values ({count} districts of {year} mostly "
            f"inside it have one) range from {format_value(lo, m.unit)} in "
            f"{names.get(lo_code, lo_code)} to {format_value(hi, m.unit)} in "
            f"{names.get(hi_code, hi_code)}.")


def _published(m: IndicatorMeta, place: Place, geo: geog.LsoaSet, period: str, sex: str,
               sl: store.Slice) -> PlaceValue:
    england = sl.england
    data = sl.first
    is_england = place.kind == "country"
    # 1. the place's own row, or an area with exactly the place's LSOAs
    for code in geog.equivalent_codes(place, geo):
        if code in data:
            own = code == place.code or (is_england and code == ENGLAND)
            note = "" if own else f"{geog.label(code)} covers exactly this place's LSOAs."
            return _row_result(m, sl, data[code], period=period, sex=sex,
                               used=place.label if own else geog.label(code), note=note,
                               is_england=is_england)
    # 2. additive counts or crude proportions: sum the whole areas the place is made of
    reasons: list[str] = []
    if m.aggregatable or m.value_type == "count":
        levels = [("lad19", "districts (2019)"), ("lad24", "districts (2024)")]
        if sl.any_msoa:
            levels.append(("msoa11", "MSOAs"))
        for level, kind in levels:
            units = geo.whole(level)
            if units:
                res = _sum_units(m, place, sl, units, kind, period=period, sex=sex)
                if isinstance(res, PlaceValue):
                    return res
                if res not in reasons:
                    reasons.append(res)
    why_not = f" No sum is possible: {'; '.join(reasons)}." if reasons else ""
    if m.value_type == "count":
        return _result(m, period=period, sex=sex, england=england, used=None,
                       note="A count can be given only for a place made of whole districts "
                       "or whole MSOAs with published counts; this place is not." + why_not)
    # 3. the single district containing the place, its successor, its county or sub-ICB
    d19 = geo.single("lad19")
    d24 = geo.single("lad24")
    if d19 is None and d24 is None:
        n = geo.counts("lad19")
        names = ", ".join(geog.names("lad19").get(c, c) for c in list(n)[:8])
        more = f" and {len(n) - 8} more" if len(n) > 8 else ""
        return _result(m, period=period, sex=sex, england=england, used=None,
                       note=f"Published for {sl.levels} only; this place "
                       f"spans {len(n)} districts ({names}{more}) and no combined value "
                       "can be made without counts, so none is shown."
                       + _district_range(m, sl, geo, period) + why_not)
    chain: list[tuple[str, str]] = []
    own_district = d19 is not None and place.code == d19
    if d19 is not None and not own_district:
        chain.append((d19, f"published for {sl.levels} only; the district "
                      f"containing this place, {geog.label(d19)}, is shown"))
    if d24 is not None and d24 != d19 and d24 != place.code:
        old = geog.names("lad19").get(d19, "") if d19 else ""
        others = sorted(geog.names("lad19")[c] for c, s in geog.successors().items()
                        if s == d24 and c != d19 and c != d24)
        why = (f"{old} was merged into {geog.names('lad24').get(d24, d24)} in April 2023 and "
               f"has no value for {period}" if old else "published for districts only")
        also = f", which also covers {' and '.join(others)}," if others else ""
        chain.append((d24, f"{why}; {geog.label(d24)}{also} is shown"))
    base = d19 or d24
    u19 = geo.single("utla19")
    if u19 is not None and u19 != base:
        chain.append((u19, f"published for upper-tier authorities only; {geog.label(u19)}, "
                      "which contains this place, is shown"))
    sicb = geo.single("sicbl22")
    if sicb is not None:
        chain.append((sicb, f"published for NHS geographies only; {geog.label(sicb)}, which "
                      "contains this place, is shown"))
    for code, why in chain:
        if code in data:
            note = why[0].upper() + why[1:] + "."
            return _row_result(m, sl, data[code], period=period, sex=sex,
                               used=geog.label(code), note=note, fit=CONTAINING,
                               lender=geog.label(code))
    return _result(m, period=period, sex=sex, england=england, used=None,
                   note=f"No value is published for this place or an area containing it "
                   f"in {period}; the indicator is published for {sl.levels}."
                   + why_not)


class _At:
    """A place with its LSOA sets, worked out once for all the indicators of a call."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.geo = geog.place_lsoas(place)
        self._lsoa21: geog.LsoaSet | None = None

    def lsoas(self, year: int) -> geog.LsoaSet:
        if year == 2011:
            return self.geo
        if self._lsoa21 is None:
            self._lsoa21 = geog.lsoa_set(tuple(self.place.lsoa21), 2021)
        return self._lsoa21


def _check(confidence: float | None, prefer: str) -> None:
    if confidence is not None and confidence not in (95, 99.8):
        raise ValueError(f"confidence must be 95 or 99.8 (percent), not {confidence!r}")
    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, not {prefer!r}")


def indicator_for_place(place: Place | str, indicator_id: str, period: str | None = None,
                        sex: str | None = None, confidence: float | None = None,
                        prefer: str = "own") -> PlaceValue:
    """The indicator's value for a place, its interval, England value and comparison, and
    how it was obtained (see the module docstring for the rules).

    ``period`` None means the latest period (for ``prefer="own"``: the latest with the
    place's own published figure, when there is one); ``sex`` None means Persons when
    published, otherwise Male (then Female) - :func:`indicators_for_place` gives both.
    ``confidence`` (95 or 99.8, percent) is the level of computed intervals and of the
    comparison made on them; None means the indicator's Fingertips level.
    """
    _check(confidence, prefer)
    return _for_place(_At(geog.resolve(place)), indicator_id, period, sex, confidence,
                      prefer)


def _own_period(m: IndicatorMeta, place: Place, sex: str, latest: str | None) -> str | None:
    """The latest period with the place's own row, when it is earlier than ``latest``."""
    if m.method != "published" or not place.code or latest is None:
        return None
    own = store.latest_period(m.id, sex, area_codes=(place.code,))
    return own if own is not None and own != latest else None


def _for_place(at: _At, indicator_id: str, period: str | None, sex: str | None,
               confidence: float | None = None, prefer: str = "own") -> PlaceValue:
    place = at.place
    m = meta(indicator_id)
    store.raw(m.id)  # an indicator without rows fails here, as values() would
    if confidence is not None and confidence != m.compare_confidence:
        m = dataclasses.replace(m, compare_confidence=float(confidence))
    if sex is None:
        avail = store.sexes(m.id)
        sex = avail[0] if avail else "Persons"
    latest_note = ""
    if period is None:
        period = store.latest_period(m.id, sex)
        own = _own_period(m, place, sex, period) if prefer == "own" else None
        if own is not None:
            latest_note = (f"Latest period with {place.name}'s own figure; {period} is "
                           "published only for other areas.")
            period = own
    sl = store.slice_of(m.id, period, sex)
    if not sl.n_rows:
        return _place(_result(m, period=period, sex=sex, used=None,
                              note=f"No data for {sex.lower()} in {period}."), place)
    if m.method in ("lsoa", "derived"):
        year = 2011 if m.method == "lsoa" else store.DERIVED[m.id].lsoa_year
        assert sl.lsoa is not None
        pv = _lsoa_sum(m, place, period, sex, sl.lsoa, at.lsoas(year), sl.england)
    elif m.method == "msoa":
        pv = _msoa_values(m, place, at.geo, period, sex, sl)
    else:
        pv = _published(m, place, at.geo, period, sex, sl)
    if latest_note:
        pv.geography_note = " ".join(p for p in (latest_note, pv.geography_note) if p)
    return _place(pv, place)


def _place(pv: PlaceValue, place: Place) -> PlaceValue:
    pv.place, pv.place_id = place.name, place.id
    return pv


def indicators_for_place(place: Place | str, include_unavailable: bool = False,
                         ids: Iterable[str] | None = None, confidence: float | None = None,
                         prefer: str = "own") -> list[PlaceValue]:
    """Every indicator for a place in its latest period: Persons where published, else Male
    and Female. Indicators with neither a value nor a range are left out unless
    ``include_unavailable`` (their note says why)."""
    _check(confidence, prefer)
    at = _At(geog.resolve(place))
    out: list[PlaceValue] = []
    for ind in (ids if ids is not None else registry()):
        avail = store.sexes(ind)
        wanted = ["Persons"] if "Persons" in avail else [s for s in ("Male", "Female")
                                                        if s in avail]
        for sex in wanted:
            pv = _for_place(at, ind, None, sex, confidence, prefer)
            if include_unavailable or pv.value is not None or pv.value_range is not None:
                out.append(pv)
    return out


@dataclasses.dataclass(frozen=True)
class _Deciles:
    positions: np.ndarray  # lookup rows of every LSOA with a decile
    deciles: np.ndarray  # 0..9


def _decile_layout(year: int) -> _Deciles:
    hit = _DECILE_LAYOUT.get(year)
    if hit is None:
        table, col = (("iod2019_lsoa11", "lsoa11cd") if year == 2011
                      else ("iod2025_lsoa21", "lsoa21cd"))
        from loaders import snapshot

        iod = snapshot.table(table)
        pos = geog.code_positions(iod[col], year)
        hit = _DECILE_LAYOUT[year] = _Deciles(pos, iod["IMD_decile"].to_numpy(dtype=np.intp) - 1)
    return hit


_DECILE_LAYOUT: dict[int, _Deciles] = {}


def by_deprivation_decile(indicator_id: str, place: Place | str, vintage: int = 2019,
                          confidence: float = 95) -> pd.DataFrame:
    """Numerator and denominator summed by national IMD decile of the place's LSOAs, with
    Wilson CIs at ``confidence`` (decile 1 = most deprived; ten rows, empty deciles have
    lsoa_count 0). The same sum as a place's value (:meth:`LsoaData.by_group`).

    For LSOA-based indicators only (QOF attributed on LSOA 2011 -> IoD2019; Census 65+ on
    LSOA 2021 -> IoD2025; the IoD2019 counts and rural share on LSOA 2011 -> IoD2019).
    The Inequalities page and the SII use this.
    """
    place = geog.resolve(place)
    m = meta(indicator_id)
    if m.method not in ("lsoa", "derived"):
        raise ValueError(f"{indicator_id} is not LSOA-based ({m.method}); deciles need "
                         "LSOA numerators and denominators")
    year = 2011 if m.method == "lsoa" else store.DERIVED[m.id].lsoa_year
    need = 2019 if year == 2011 else 2025
    if vintage != need:
        raise ValueError(f"{indicator_id} is on LSOA {year}; use IoD vintage {need}")
    period = store.latest_period(m.id)
    data = store.slice_of(m.id, period, "Persons").lsoa
    assert data is not None
    layout = _decile_layout(year)
    lsoas = geog.lsoa_set(tuple(place.lsoas(need)), year)
    member = np.zeros(len(geog.lsoa_codes(year)), dtype=bool)
    member[lsoas.positions] = True
    ok = layout.positions >= 0
    ok[ok] = member[layout.positions[ok]]
    n, count, den = data.by_group(layout.positions[ok], layout.deciles[ok], 10)
    g = pd.DataFrame({"imd_decile": range(1, 11), "lsoa_count": n.astype("int64"),
                      "count": count, "denominator": den})
    with np.errstate(divide="ignore", invalid="ignore"):
        g["value"] = np.where(den > 0, count / den * m.multiplier, np.nan)
    lo, hi = wilson_ci(count, den, confidence / 100)
    g["lower_ci"] = np.asarray(lo) * m.multiplier
    g["upper_ci"] = np.asarray(hi) * m.multiplier
    g["small_number"] = g["count"] < SMALL_NUMBER_THRESHOLD
    g["vintage"] = vintage
    g["period"] = period
    return g


def clear_cache() -> None:
    _WILSON.clear()
    _DECILE_LAYOUT.clear()
