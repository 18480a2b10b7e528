"""Health indicators: the metadata registry, store queries and values for any place.

Why this module exists: indicators come at different geographies (published for districts,
counties, sub-ICBs; attributed to LSOAs; modelled for MSOAs without counts) while the app's
places are arbitrary sets of LSOAs (towns, wards, sub-regions). :func:`indicator_for_place`
turns one into the other honestly:

* LSOA-based indicators (QOF attributed, Census 65+, rural share) sum numerators and
  denominators over the place's LSOAs and recompute a Wilson CI;
* published indicators use the place's own row (district, UA, ICB, region, England, or an
  area whose LSOAs are exactly the place's); else, for additive counts/crude proportions,
  the sum over the whole districts (or MSOAs) the place is made of; else the single district
  that contains the place (the 2019 district, then its 2023 successor, then its county or
  sub-ICB where the indicator is published only there), and the note says which; a place
  spanning several districts gets no value rather than an invented or averaged one;
* MSOA values without counts (House of Commons Library) are never combined: a place inside
  one MSOA is shown that MSOA, otherwise the range across its MSOAs.

England comparisons follow Fingertips: the published "compared to England" where given,
otherwise the place's CI (Wilson at the indicator's comparison level, or the published 95%
limits) against the England value via :mod:`explorer.stats.compare`.

Pure functions over snapshot frames; no Streamlit. Frames returned by :func:`values` are
shared (cached per process): treat them as read-only. For speed, each indicator's rows for a
(period, sex) are prepared once per process (:class:`_Slice`: England value, each area's
row, LSOA counts as arrays on the lookup's rows) and each place's geography once per set of
LSOAs (:class:`_LsoaSet`), so a place's values are look-ups and array sums, not frame filters.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from explorer.places import Place
from explorer.places import registry as place_registry
from explorer.stats.compare import NOT_COMPARED, SMALL_NUMBER_THRESHOLD, compare_to_benchmark
from explorer.stats.proportions import wilson_ci
from loaders import snapshot
from loaders.paths import DATA_DIR

INDICATORS_FILE: Path = DATA_DIR / "indicators.yaml"
STORE_TABLE = "indicator_values"
ENGLAND = "E92000001"

POLARITIES = ("high_is_good", "low_is_good", "no_judgement")
VALUE_TYPES = ("proportion", "rate", "ratio", "years", "count")
CI_METHODS = ("Wilson", "Byar's", "as published", "none")
METHODS = ("published", "lsoa", "msoa", "derived")
UNITS = ("%", "years", "per 100,000", "per 1,000", "ratio", "count")
CORE20PLUS5 = ("maternity", "smi", "respiratory", "cancer", "hypertension", "plus", "core20")
GEOGRAPHIES = ("england", "region", "county", "ua", "district", "icb", "sub-icb", "msoa",
               "lsoa", "any")
COMPARE_CONFIDENCES = (95, 99.8)
SEX_ORDER = ("Persons", "Male", "Female")
_TOP_KEYS = {"marmot_principles", "core20plus5_areas", "indicators"}


class IndicatorRegistryError(ValueError):
    """``data/indicators.yaml`` is malformed: an unknown key or value, or a missing field."""


class UnknownIndicatorError(KeyError):
    """An indicator id that is not in the registry."""


@dataclass(frozen=True)
class IndicatorMeta:
    """One entry of ``data/indicators.yaml`` (see the file header for each field)."""

    id: str
    name: str
    short_name: str
    definition: str
    unit: str
    multiplier: float
    polarity: str
    value_type: str
    ci_method: str
    compare_confidence: float
    method: str
    aggregatable: bool
    source: str
    publisher: str
    licence: str
    vintage: str
    url: str
    geographies: tuple[str, ...]
    marmot_principle: int | None
    core20plus5: str | None
    caveats: str

    @property
    def caption(self) -> str:
        """A one-line source caption for charts and exports."""
        return f"Source: {self.publisher} ({self.vintage}). {self.licence}. {self.url}"

    @property
    def marmot_label(self) -> str | None:
        if self.marmot_principle is None:
            return None
        return MARMOT_PRINCIPLES.get(self.marmot_principle)


_META_FIELDS = {f.name for f in fields(IndicatorMeta)}

#: Filled from the yaml when the registry loads (``marmot_principles`` block).
MARMOT_PRINCIPLES: dict[int, str] = {}
CORE20PLUS5_AREAS: dict[str, str] = {}


@dataclass
class PlaceValue:
    """An indicator's value for a place, with how it was obtained.

    ``geography_used`` names the area whose value is shown (the place itself, or e.g.
    "Allerdale (district)"); ``geography_note`` explains any substitution or why no value
    can be given. ``value_range`` is set when only a range across areas can honestly be
    shown (MSOA values without counts). CIs are 95%.
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------
# Registry


def _fail(where: str, msg: str) -> None:
    raise IndicatorRegistryError(f"{INDICATORS_FILE.name}: {where}: {msg}")


def _validate_entry(raw: dict, n: int) -> IndicatorMeta:
    where = f"indicator #{n} ({raw.get('id', '?')})"
    if not isinstance(raw, dict):
        _fail(where, "not a mapping")
    unknown = set(raw) - _META_FIELDS
    if unknown:
        _fail(where, f"unknown key(s) {sorted(unknown)}")
    missing = _META_FIELDS - set(raw)
    if missing:
        _fail(where, f"missing key(s) {sorted(missing)}")
    d = dict(raw)
    for key in ("id", "name", "short_name", "definition", "source", "publisher", "licence",
                "vintage", "url", "caveats"):
        if not isinstance(d[key], str) or not d[key].strip():
            _fail(where, f"'{key}' must be a non-empty string")
        d[key] = " ".join(d[key].split())
    enums: dict[str, tuple] = {"unit": UNITS, "polarity": POLARITIES,
                               "value_type": VALUE_TYPES, "ci_method": CI_METHODS,
                               "method": METHODS}
    for key, allowed in enums.items():
        if d[key] not in allowed:
            _fail(where, f"'{key}' is {d[key]!r}, not one of {allowed}")
    if d["core20plus5"] is not None and d["core20plus5"] not in CORE20PLUS5:
        _fail(where, f"'core20plus5' is {d['core20plus5']!r}, not one of {CORE20PLUS5} or null")
    mp = d["marmot_principle"]
    if mp is not None and (isinstance(mp, bool) or not isinstance(mp, int) or
                           not 1 <= mp <= 8):
        _fail(where, f"'marmot_principle' must be 1-8 or null, got {mp!r}")
    if isinstance(d["multiplier"], bool) or not isinstance(d["multiplier"], (int, float)) \
            or d["multiplier"] <= 0:
        _fail(where, "'multiplier' must be a positive number")
    if d["compare_confidence"] not in COMPARE_CONFIDENCES:
        _fail(where, f"'compare_confidence' must be one of {COMPARE_CONFIDENCES}")
    if not isinstance(d["aggregatable"], bool):
        _fail(where, "'aggregatable' must be true or false")
    geos = d["geographies"]
    if not isinstance(geos, list) or not geos or set(geos) - set(GEOGRAPHIES):
        _fail(where, f"'geographies' must be a list drawn from {GEOGRAPHIES}")
    if d["ci_method"] == "Wilson" and d["value_type"] != "proportion":
        _fail(where, "Wilson CIs apply to proportions only")
    if d["method"] in ("lsoa", "derived") and d["value_type"] != "proportion":
        _fail(where, "LSOA-summed and derived indicators must be proportions")
    if d["method"] == "derived" and d["id"] not in _DERIVED:
        _fail(where, f"no derivation is implemented for {d['id']!r}")
    d["geographies"] = tuple(geos)
    d["multiplier"] = float(d["multiplier"])
    d["compare_confidence"] = float(d["compare_confidence"])
    return IndicatorMeta(**d)


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when available (same constructor, a tenth of the
    time); a document libyaml rejects is re-read by the pure-Python loader, so errors read
    as before."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_registry(path: Path = INDICATORS_FILE) -> dict[str, IndicatorMeta]:
    """Parse and validate the yaml; every problem raises :class:`IndicatorRegistryError`."""
    try:
        spec = _load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise IndicatorRegistryError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(spec, dict) or set(spec) != _TOP_KEYS:
        raise IndicatorRegistryError(f"{path.name}: top-level keys must be {sorted(_TOP_KEYS)}")
    principles = spec["marmot_principles"]
    if not isinstance(principles, dict) or set(principles) != set(range(1, 9)):
        raise IndicatorRegistryError(f"{path.name}: marmot_principles must list 1-8")
    areas = spec["core20plus5_areas"]
    if not isinstance(areas, dict) or set(areas) != set(CORE20PLUS5):
        raise IndicatorRegistryError(f"{path.name}: core20plus5_areas must list {CORE20PLUS5}")
    out: dict[str, IndicatorMeta] = {}
    for n, raw in enumerate(spec["indicators"] or [], start=1):
        meta = _validate_entry(raw, n)
        if meta.id in out:
            raise IndicatorRegistryError(f"{path.name}: duplicate indicator id {meta.id!r}")
        out[meta.id] = meta
    MARMOT_PRINCIPLES.clear()
    MARMOT_PRINCIPLES.update({int(k): " ".join(str(v).split()) for k, v in principles.items()})
    CORE20PLUS5_AREAS.clear()
    CORE20PLUS5_AREAS.update({k: " ".join(str(v).split()) for k, v in areas.items()})
    return out


@functools.cache
def registry() -> dict[str, IndicatorMeta]:
    """Every indicator's metadata, by id (loaded once per process; fails loudly)."""
    return load_registry()


def meta(indicator_id: str) -> IndicatorMeta:
    try:
        return registry()[str(indicator_id)]
    except KeyError as exc:
        raise UnknownIndicatorError(f"Unknown indicator {indicator_id!r}") from exc


def validate_against_store() -> list[str]:
    """Problems between the registry and the store (empty when consistent).

    Every indicator in ``indicator_values`` must have metadata, every published/lsoa/msoa
    entry must have rows, and the rows' ``source`` must be the entry's provenance key.
    """
    problems: list[str] = []
    store = _store_groups()
    reg = registry()
    for ind in sorted(set(store) - set(reg)):
        problems.append(f"{ind}: rows in {STORE_TABLE} but no metadata")
    for ind, m in reg.items():
        if m.method == "derived":
            if ind in store:
                problems.append(f"{ind}: derived but has stored rows")
            continue
        if ind not in store:
            problems.append(f"{ind}: metadata but no rows in {STORE_TABLE}")
            continue
        sources = set(store[ind]["source"].astype(str).unique())
        if sources != {m.source}:
            problems.append(f"{ind}: rows come from {sorted(sources)}, metadata says "
                            f"{m.source!r}")
    return problems


# --------------------------------------------------------------------------------------
# Store queries


@functools.cache
def _store_groups() -> dict[str, pd.DataFrame]:
    df = snapshot.table(STORE_TABLE)
    return {str(k): g.reset_index(drop=True)
            for k, g in df.groupby("indicator_id", observed=True, sort=True)}


def _fill(frame: pd.DataFrame, m: IndicatorMeta) -> pd.DataFrame:
    """Fill values the store leaves implicit: LSOA values (count / denominator) and Wilson
    95% CIs where the indicator uses Wilson and the source gave counts but no limits."""
    out = frame.copy()
    has_nd = out["count"].notna() & out["denominator"].notna() & (out["denominator"] > 0)
    need_v = out["value"].isna() & has_nd & (m.value_type == "proportion")
    if need_v.any():
        out.loc[need_v, "value"] = (out.loc[need_v, "count"] / out.loc[need_v, "denominator"]
                                    * m.multiplier)
    if m.ci_method == "Wilson":
        need = out["lower_ci"].isna() & has_nd
        if need.any():
            lo, hi = wilson_ci(out.loc[need, "count"].to_numpy(),
                               out.loc[need, "denominator"].to_numpy(), 0.95)
            out.loc[need, "lower_ci"] = np.asarray(lo) * m.multiplier
            out.loc[need, "upper_ci"] = np.asarray(hi) * m.multiplier
    return out


@functools.cache
def _raw_cached(indicator_id: str) -> pd.DataFrame:
    """One indicator's rows before :func:`_fill` (derived indicators: the computed rows)."""
    m = meta(indicator_id)
    if m.method == "derived":
        df = _DERIVED[indicator_id].frame()
        df["indicator_id"] = m.id
        df["source"] = m.source
        cols = list(snapshot.table(STORE_TABLE).columns)
        return df[cols]
    frame = _store_groups().get(indicator_id)
    if frame is None:
        raise UnknownIndicatorError(f"No rows for indicator {indicator_id!r} in {STORE_TABLE}")
    return frame


def _raw(indicator_id: str) -> pd.DataFrame:
    """Unfilled rows. :func:`_fill` only adds values and CIs where counts are given, so the
    periods, sexes and rows with a value or a count are the same as in :func:`values`, and
    filling is row by row, so filling a subset equals subsetting the filled frame."""
    return _raw_cached(str(indicator_id))


@functools.cache
def _values_cached(indicator_id: str) -> pd.DataFrame:
    return _fill(_raw(indicator_id), meta(indicator_id))


def values(indicator_id: str) -> pd.DataFrame:
    """Every row of one indicator (store columns; LSOA values and Wilson CIs filled in).

    Derived indicators return computed LSOA rows and an England row. The frame is shared:
    do not modify it.
    """
    return _values_cached(str(indicator_id))


def periods(indicator_id: str, sex: str | None = None) -> list[str]:
    """Period labels in time order (by the end of the period, then its start)."""
    df = _raw(indicator_id)
    if sex is not None:
        df = df[df["sex"] == sex]
    p = df[["period", "period_sort", "period_start"]].drop_duplicates("period")
    p = p.sort_values(["period_sort", "period_start"])
    return [str(x) for x in p["period"]]


def latest_period(indicator_id: str, sex: str | None = None,
                  area_codes: Iterable[str] | None = None) -> str | None:
    """The latest period with a value below England level (or for ``area_codes`` if given).

    Ties on the period's end (a single year and a pooled period ending together) go to the
    period that starts later, i.e. the single year.
    """
    codes = None if area_codes is None else tuple(sorted(set(area_codes)))
    return _latest_cached(str(indicator_id), sex, codes)


@functools.lru_cache(maxsize=1024)
def _latest_cached(indicator_id: str, sex: str | None,
                   area_codes: tuple[str, ...] | None) -> str | None:
    df = _raw(indicator_id)
    keep = (df["value"].notna() | df["count"].notna()).to_numpy(dtype=bool)
    if sex is not None:
        keep = keep & (df["sex"] == sex).to_numpy(dtype=bool, na_value=False)
    if area_codes is not None:
        keep = keep & df["area_code"].isin(list(area_codes)).to_numpy(dtype=bool)
    else:
        below = (df["area_type"] != "england").to_numpy(dtype=bool, na_value=True)
        if (keep & below).any():
            keep = keep & below
    rows = np.flatnonzero(keep)
    if not len(rows):
        return None
    # the last of the rows sorted (stably) by period_sort, then period_start
    order = np.lexsort((df["period_start"].to_numpy()[rows], df["period_sort"].to_numpy()[rows]))
    return str(df["period"].iloc[rows[order[-1]]])


def sexes(indicator_id: str, period: str | None = None) -> list[str]:
    """Sexes published for the indicator (in the order Persons, Male, Female)."""
    return list(_sexes_cached(str(indicator_id), period))


@functools.lru_cache(maxsize=1024)
def _sexes_cached(indicator_id: str, period: str | None) -> tuple[str, ...]:
    df = _raw(indicator_id)
    if period is not None:
        df = df[df["period"] == period]
    have = {str(x) for x in df["sex"].dropna().unique()}
    return tuple(s for s in SEX_ORDER if s in have)


def caption(indicator_id: str) -> str:
    return meta(indicator_id).caption


# --------------------------------------------------------------------------------------
# Geography helpers (from the snapshot lookups)

_LEVELS = {  # level -> (code column, name column, label for notes)
    "lad19": ("lad19cd", "lad19nm", "district"),
    "lad24": ("lad24cd", "lad24nm", "district from April 2023"),
    "utla19": ("utla19cd", "utla19nm", "county"),
    "sicbl22": ("sicbl22cd", "sicbl22nm", "sub-ICB"),
    "icb22": ("icb22cd", "icb22nm", "ICB"),
    "rgn19": ("rgn19cd", "rgn19nm", "region"),
    "msoa11": ("msoa11cd", "msoa11hclnm", "MSOA"),
}


@functools.cache
def _geo11() -> pd.DataFrame:
    return snapshot.table("geo_lsoa11").set_index("lsoa11cd")


@functools.cache
def _level_sizes(level: str) -> dict[str, int]:
    col = _LEVELS[level][0]
    return _geo11()[col].value_counts().to_dict()


@functools.cache
def _names(level: str) -> dict[str, str]:
    col, name, _ = _LEVELS[level]
    g = _geo11()
    if level == "msoa11":
        return {c: f"{m} ({h})" for c, m, h in
                g[[col, "msoa11nm", name]].drop_duplicates(col).itertuples(index=False)}
    return dict(g[[col, name]].drop_duplicates(col).itertuples(index=False))


@functools.cache
def _name_of_code() -> dict[str, tuple[str, str]]:
    """Any area code -> (name, kind label), for notes."""
    out: dict[str, tuple[str, str]] = {ENGLAND: ("England", "country")}
    for level in ("msoa11", "icb22", "sicbl22", "rgn19", "utla19", "lad24", "lad19"):
        label = _LEVELS[level][2]
        if level == "lad24":
            label = "district"
        for code, name in _names(level).items():
            out[code] = (name, label)
    for code in ("E06000063", "E06000064", "E06000065", "E06000066"):
        if code in out:
            out[code] = (out[code][0], "district from April 2023")
    return out


@functools.cache
def _successors() -> dict[str, str]:
    """2019 district -> its May 2024 district (itself when unchanged)."""
    g = _geo11()[["lad19cd", "lad24cd"]].drop_duplicates("lad19cd")
    return dict(g.itertuples(index=False))


def _label(code: str) -> str:
    name, kind = _name_of_code().get(code, (code, "area"))
    return f"{name} ({kind})"


@functools.cache
def _lsoa_codes(year: int) -> pd.Index:
    """LSOA codes of the geography lookup of that vintage, in its order (sums run in it)."""
    if year == 2011:
        return _geo11().index
    return pd.Index(snapshot.table("geo_lsoa21")["lsoa21cd"])


@functools.cache
def _lsoa_positions(year: int) -> dict[str, int]:
    return {code: i for i, code in enumerate(_lsoa_codes(year).tolist())}


class _LsoaSet:
    """A set of LSOA codes located in the geography lookup of its vintage, with (2011 sets
    only) the areas they make up. Built once per set of codes (:func:`_lsoa_set`), so a
    place's geography is worked out once, not once per indicator."""

    def __init__(self, codes: tuple[str, ...], year: int) -> None:
        where = _lsoa_positions(year)
        unique = list(dict.fromkeys(codes))
        found = [where.get(c, -1) for c in unique]
        self.year = year
        self.n_unique = len(unique)
        #: rows of the lookup, ascending (the order of ``lookup.index.intersection(codes)``)
        self.positions = np.sort(np.fromiter((i for i in found if i >= 0), dtype=np.intp))
        #: codes not in the lookup (matched only against data rows outside it)
        self.outside = tuple(c for c, i in zip(unique, found, strict=True) if i < 0)
        self._counts: dict[str, dict[str, int]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._whole: dict[str, list[str] | None] = {}

    def counts(self, level: str) -> dict[str, int]:
        """Per area of ``level``: how many of the LSOAs (2011) lie in it, most first (ties in
        lookup order, as ``value_counts`` orders them)."""
        out = self._counts.get(level)
        if out is None:
            if self.year != 2011:
                raise ValueError("areas are known for LSOA 2011 sets only")
            codes, names = _level_codes(level)
            k = codes[self.positions]
            k = k[k >= 0]
            areas, first, n = np.unique(k, return_index=True, return_counts=True)
            seen = np.argsort(first)  # order of first appearance
            areas, n = areas[seen], n[seen]
            most = np.argsort(-n, kind="stable")
            self._arrays[level] = (areas[most], n[most])
            out = dict(zip(names[areas[most]].tolist(), n[most].tolist(), strict=True))
            self._counts[level] = out
        return out

    def count_arrays(self, level: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`counts` as (area numbers of :func:`_level_codes`, LSOA counts)."""
        if level not in self._arrays:
            self.counts(level)
        return self._arrays[level]

    def whole(self, level: str) -> list[str] | None:
        """The areas of ``level`` the LSOAs make up exactly, or None if they cut one."""
        if level not in self._whole:
            counts = self.counts(level)
            whole = None
            if counts:
                sizes = _level_sizes(level)
                if all(sizes.get(code, -1) == n for code, n in counts.items()):
                    whole = sorted(counts)
            self._whole[level] = whole
        return self._whole[level]

    def single(self, level: str) -> str | None:
        counts = self.counts(level)
        return str(next(iter(counts))) if len(counts) == 1 else None


@functools.cache
def _level_codes(level: str) -> tuple[np.ndarray, np.ndarray]:
    """Each lookup row's area of ``level`` as an integer (-1 if none), and the area codes."""
    codes, names = pd.factorize(_geo11()[_LEVELS[level][0]])
    return np.asarray(codes, dtype=np.intp), np.asarray(names, dtype=object)


@functools.cache
def _level_numbers(level: str) -> tuple[dict[str, int], np.ndarray]:
    """Area code -> its number in :func:`_level_codes`, and each area's LSOA count."""
    codes, names = _level_codes(level)
    sizes = np.bincount(codes[codes >= 0], minlength=len(names))
    return {name: i for i, name in enumerate(names.tolist())}, sizes


@functools.lru_cache(maxsize=512)
def _lsoa_set(codes: tuple[str, ...], year: int) -> _LsoaSet:
    return _LsoaSet(codes, year)


def _geo(place: Place) -> _LsoaSet:
    """The place's LSOAs (2011) in the lookup."""
    return _lsoa_set(tuple(place.lsoa11), 2011)


def _equivalent_codes(place: Place, geo: _LsoaSet | None = None) -> list[str]:
    """Codes of published areas whose LSOAs are exactly the place's (own code first)."""
    geo = geo or _geo(place)
    out: list[str] = []
    if place.kind == "country":
        out.append(ENGLAND)
    if place.code:
        out.append(place.code)
    for level in ("lad19", "lad24", "utla19", "sicbl22", "icb22", "rgn19", "msoa11"):
        whole = geo.whole(level)
        if whole is not None and len(whole) == 1 and whole[0] not in out:
            out.append(whole[0])
    return out


def _resolve(place: Place | str) -> Place:
    return place if isinstance(place, Place) else place_registry().resolve(place)


# --------------------------------------------------------------------------------------
# Derived indicators (computed from other snapshot tables)


@dataclass(frozen=True)
class _Derived:
    """An LSOA-level numerator/denominator computed from snapshot tables."""

    period: str
    start: int
    lsoa_year: int
    build: Callable[[], pd.DataFrame]  # -> area_code, count, denominator (every LSOA)
    what: str = "counts"

    def lsoa_frame(self) -> pd.DataFrame:
        return _derived_lsoa(self)

    def frame(self) -> pd.DataFrame:
        lsoa = self.lsoa_frame().reset_index()
        eng = pd.DataFrame({"area_code": [ENGLAND], "count": [lsoa["count"].sum()],
                            "denominator": [lsoa["denominator"].sum()]})
        df = pd.concat([lsoa.assign(area_type="lsoa"), eng.assign(area_type="england")],
                       ignore_index=True)
        df["value"] = df["count"] / df["denominator"] * 100
        df["period"] = self.period
        df["period_start"] = self.start
        df["period_sort"] = self.start * 100
        df["sex"] = "Persons"
        df["age"] = "All ages"
        for col in ("category", "value_note", "compared_to_england"):
            df[col] = None
        df["lower_ci"] = np.nan
        df["upper_ci"] = np.nan
        return df


@functools.cache
def _derived_lsoa(d: _Derived) -> pd.DataFrame:
    return d.build().set_index("area_code")


def _census_65plus() -> pd.DataFrame:
    c = snapshot.table("census2021_age_lsoa21")
    return pd.DataFrame({"area_code": c["lsoa21cd"].astype(str),
                         "count": c["pop_65_plus"].astype("float64"),
                         "denominator": c["pop_total"].astype("float64")})


def _rural_share() -> pd.DataFrame:
    iod = snapshot.table("iod2019_lsoa11").set_index("lsoa11cd")["pop_total"]
    rural = _geo11()["ruc11_rural"].reindex(iod.index).fillna(False).astype(bool)
    return pd.DataFrame({"area_code": iod.index.astype(str),
                         "count": (iod * rural).astype("float64").to_numpy(),
                         "denominator": iod.astype("float64").to_numpy()})


_DERIVED: dict[str, _Derived] = {
    "census-65plus": _Derived("2021", 2021, 2021, _census_65plus,
                              "Census 2021 usual residents (aged 65+ / all)"),
    "rural-share": _Derived("RUC 2011 (mid-2015 population)", 2015, 2011, _rural_share,
                            "mid-2015 residents (in rural LSOAs / all)"),
}


# --------------------------------------------------------------------------------------
# Values for a place


def _f(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _s(x: Any) -> str | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA \
        else str(x)


class _LsoaData:
    """LSOA numerators and denominators laid out on the geography lookup's rows, so a place's
    sum is a gather over its positions (missing counts count as 0, as a pandas sum does)."""

    def __init__(self, codes: pd.Series, count: pd.Series, den: pd.Series, year: int,
                 keep: np.ndarray | None = None) -> None:
        """Rows ``keep`` (a boolean mask; all rows if None) of aligned columns."""
        pos = _code_positions(codes, year)
        cnt = count.to_numpy(dtype=np.float64, na_value=np.nan)
        dnm = den.to_numpy(dtype=np.float64, na_value=np.nan)
        if keep is not None:
            pos, cnt, dnm = pos[keep], cnt[keep], dnm[keep]
        cnt = np.where(np.isnan(cnt), 0.0, cnt)
        dnm = np.where(np.isnan(dnm), 0.0, dnm)
        n = len(_lsoa_codes(year))
        inside = pos >= 0
        p = pos[inside]
        self.count = np.zeros(n)
        self.den = np.zeros(n)
        self.has = np.zeros(n, dtype=bool)
        self.has[p] = True
        if self.has.sum() == len(p):
            self.count[p] = cnt[inside]
            self.den[p] = dnm[inside]
        else:  # a code listed twice: its rows are summed together
            np.add.at(self.count, p, cnt[inside])
            np.add.at(self.den, p, dnm[inside])
        #: rows whose code is not in the lookup: code -> (count, denominator)
        self.extra: dict[str, tuple[float, float]] = {}
        if not inside.all():
            names = np.asarray(codes.astype(object))
            if keep is not None:
                names = names[keep]
            for code, c, d in zip(names[~inside], cnt[~inside], dnm[~inside], strict=True):
                c0, d0 = self.extra.get(code, (0.0, 0.0))
                self.extra[code] = (c0 + c, d0 + d)

    def total(self, lsoas: _LsoaSet) -> tuple[int, float, float]:
        """(LSOAs with data, count, denominator) over a set of LSOAs."""
        p = lsoas.positions
        p = p[self.has[p]]
        n, count, den = len(p), self.count[p].sum(), self.den[p].sum()
        for code in lsoas.outside:
            if code in self.extra:
                c, d = self.extra[code]
                n, count, den = n + 1, count + c, den + d
        return n, float(count), float(den)


_CATEGORY_POSITIONS: dict[tuple[int, int], tuple[pd.Index, np.ndarray]] = {}


def _code_positions(codes: pd.Series, year: int) -> np.ndarray:
    """Each code's row in the geography lookup (-1 if absent). Categorical codes are mapped
    through their categories, which every indicator's frame shares."""
    lookup = _lsoa_codes(year)
    if isinstance(codes.dtype, pd.CategoricalDtype):
        cats = codes.cat.categories
        key = (id(cats), year)
        hit = _CATEGORY_POSITIONS.get(key)
        if hit is None or hit[0] is not cats:
            hit = _CATEGORY_POSITIONS[key] = (cats, lookup.get_indexer(cats))
        cat_pos = hit[1]
        k = codes.cat.codes.to_numpy()
        return np.where(k >= 0, cat_pos[k], -1).astype(np.intp)
    return lookup.get_indexer(pd.Index(codes.astype(object))).astype(np.intp)


@functools.cache
def _derived_data(indicator_id: str) -> _LsoaData:
    d = _DERIVED[indicator_id]
    lsoa = d.lsoa_frame()
    return _LsoaData(pd.Series(lsoa.index), lsoa["count"], lsoa["denominator"], d.lsoa_year)


class _Slice:
    """One indicator's rows for a period and sex (no category), filled and laid out for
    per-place lookups: the England value, each area's first row, and for LSOA-summed
    indicators the LSOA counts (:class:`_LsoaData`). Built once per (indicator, period,
    sex), so a place's value needs no filtering of the indicator's frame."""

    def __init__(self, m: IndicatorMeta, period: Any, sex: Any) -> None:
        raw = _raw(m.id)
        keep = ((raw["period"] == period) & (raw["sex"] == sex)).to_numpy(
            dtype=bool, na_value=False) & raw["category"].isna().to_numpy(dtype=bool)
        self.n_rows = int(keep.sum())
        self.lsoa: _LsoaData | None = None
        if m.method in ("lsoa", "derived"):
            is_lsoa = (raw["area_type"] == "lsoa").to_numpy(dtype=bool, na_value=False)
            if m.method == "lsoa":
                self.lsoa = _LsoaData(raw["area_code"], raw["count"], raw["denominator"],
                                      2011, keep & is_lsoa)
            else:
                self.lsoa = _derived_data(m.id)
            keep = keep & ~is_lsoa  # only the England value is needed from the other rows
        rows = _fill(raw[keep], m)
        self.codes: list = rows["area_code"].tolist()
        self.area_type: list = rows["area_type"].tolist()
        self.first: dict[Any, int] = {}
        for i, code in enumerate(self.codes):
            self.first.setdefault(code, i)
        self._all: dict[Any, list[int]] | None = None
        self._msoa: dict[Any, list[int]] | None = None
        self._msoa_areas: tuple[np.ndarray, np.ndarray] | None = None
        num = {c: rows[c].to_numpy(dtype=np.float64, na_value=np.nan)
               for c in ("value", "lower_ci", "upper_ci", "count", "denominator")}
        self.value, self.lower, self.upper = num["value"], num["lower_ci"], num["upper_ci"]
        self.count, self.den = num["count"], num["denominator"]
        self.age: list = rows["age"].tolist()
        self.value_note: list = rows["value_note"].tolist()
        self.compared: list = rows["compared_to_england"].tolist()
        self.any_msoa = "msoa" in self.area_type
        eng = self.first.get(ENGLAND)
        self.england = _f(self.value[eng]) if eng is not None else None
        self._levels: str | None = None

    def rows_of(self, code: Any) -> list[int]:
        """Every row of an area (an area may have several only if the store repeats it)."""
        if len(self.first) == len(self.codes):
            return [self.first[code]] if code in self.first else []
        if self._all is None:
            out: dict[Any, list[int]] = {}
            for i, c in enumerate(self.codes):
                out.setdefault(c, []).append(i)
            self._all = out
        return self._all.get(code, [])

    def msoa_rows(self) -> dict[Any, list[int]]:
        if self._msoa is None:
            out: dict[Any, list[int]] = {}
            for i, (c, t) in enumerate(zip(self.codes, self.area_type, strict=True)):
                if t == "msoa":
                    out.setdefault(c, []).append(i)
            self._msoa = out
        return self._msoa

    def msoa_areas(self) -> tuple[np.ndarray, np.ndarray]:
        """Per MSOA (numbered as in :func:`_level_codes`): its first row (-1 if none) and
        how many rows it has."""
        if self._msoa_areas is None:
            number, sizes = _level_numbers("msoa11")
            first = np.full(len(sizes), -1, dtype=np.intp)
            nrows = np.zeros(len(sizes), dtype=np.intp)
            for code, rows in self.msoa_rows().items():
                j = number.get(code)
                if j is not None:
                    first[j], nrows[j] = rows[0], len(rows)
            self._msoa_areas = (first, nrows)
        return self._msoa_areas

    def nil(self, i: int) -> bool:
        note = self.value_note[i]
        return isinstance(note, str) and note.startswith("nil")

    @property
    def levels(self) -> str:
        if self._levels is None:
            self._levels = _published_levels(self.codes)
        return self._levels


@functools.lru_cache(maxsize=4096)
def _slice(indicator_id: str, period: Any, sex: Any) -> _Slice:
    return _Slice(meta(indicator_id), period, sex)


def _compare(m: IndicatorMeta, value: float | None, lower: float | None,
             upper: float | None, count: float | None, den: float | None,
             england: float | None, published: str | None,
             is_england: bool, wilson: bool) -> tuple[str, str]:
    """(comparison, basis): published text first, then CIs at the indicator's level."""
    if is_england or value is None:
        return NOT_COMPARED, ""
    if published:
        return published, "as published"
    if england is None:
        return NOT_COMPARED, "no England value"
    if wilson and count is not None and den and den > 0:
        conf = m.compare_confidence / 100
        lo, hi = _wilson(count, den, conf)
        label = "99.8%" if m.compare_confidence == 99.8 else "95%"
        return (compare_to_benchmark(value, lo * m.multiplier, hi * m.multiplier, england,
                                     m.polarity, label),
                f"{label} Wilson CI")
    if lower is not None and upper is not None:
        return (compare_to_benchmark(value, lower, upper, england, m.polarity, "95%"),
                "published 95% CI")
    return NOT_COMPARED, "no confidence interval"


@functools.lru_cache(maxsize=8192)
def _wilson(count: float, den: float, confidence: float) -> tuple[float, float]:
    """Scalar Wilson limits (0-1 scale), memoised: the compare page asks for the same sums."""
    lo, hi = wilson_ci(count, den, confidence)
    return float(lo), float(hi)


def _result(m: IndicatorMeta, *, period: str | None, sex: str | None,
            from_counts: bool = False,
            value: float | None = None, lower: float | None = None,
            upper: float | None = None, count: float | None = None,
            den: float | None = None, england: float | None = None,
            published: str | None = None, used: str | None = None,
            code: str | None = None, note: str = "", age: str | None = None,
            value_note: str | None = None, is_england: bool = False,
            value_range: tuple[float, float] | None = None,
            n_areas: int | None = None) -> PlaceValue:
    wilson = m.value_type == "proportion" and (m.ci_method == "Wilson" or from_counts)
    if value is not None and lower is None and wilson and count is not None and den:
        lo, hi = _wilson(count, den, 0.95)
        lower, upper = lo * m.multiplier, hi * m.multiplier
    comp, basis = _compare(m, value, lower, upper, count, den, england, published, is_england,
                           wilson)
    small = bool(value is not None and count is not None and m.value_type != "count"
                 and count < SMALL_NUMBER_THRESHOLD)
    return PlaceValue(
        indicator_id=m.id, name=m.name, period=period, sex=sex, value=value,
        lower_ci=_f(lower), upper_ci=_f(upper), count=count, denominator=den,
        england_value=england, compared_to_england=comp, geography_used=used,
        geography_note=note, source=m.source, unit=m.unit, small_number=small,
        geography_code=code, method=m.method, age=age, value_note=value_note,
        comparison_basis=basis, value_range=value_range, n_areas=n_areas)


def _row_result(m: IndicatorMeta, sl: _Slice, i: int, *, period: str, sex: str, used: str,
                note: str, is_england: bool = False) -> PlaceValue:
    return _result(
        m, period=period, sex=sex, value=_f(sl.value[i]), lower=_f(sl.lower[i]),
        upper=_f(sl.upper[i]), count=_f(sl.count[i]), den=_f(sl.den[i]),
        england=sl.england, published=_s(sl.compared[i]), used=used,
        code=str(sl.codes[i]), note=note, age=_s(sl.age[i]),
        value_note=_s(sl.value_note[i]), is_england=is_england)


def _lsoa_sum(m: IndicatorMeta, place: Place, period: str, sex: str, lsoa: _LsoaData,
              lsoas: _LsoaSet, england: float | None) -> PlaceValue:
    year = lsoas.year
    n_present, count, den = lsoa.total(lsoas)
    if not n_present:
        return _result(m, period=period, sex=sex, england=england, used=place.label,
                       note=f"None of the place's LSOAs ({year}) has data.")
    value = count / den * m.multiplier if den > 0 else None
    missing = lsoas.n_unique - n_present
    what = ("QOF prevalence attributed from GP practices by registered patients"
            if m.method == "lsoa" else _DERIVED[m.id].what)
    note = f"Sum over {n_present:,} LSOAs ({year}) of {what}."
    if missing:
        note += f" {missing} of the place's LSOAs have no data and are left out."
    return _result(m, period=period, sex=sex, value=value, count=count, den=den,
                   england=england, used=place.label, code=place.code, note=note,
                   is_england=place.kind == "country", n_areas=n_present,
                   from_counts=m.ci_method != "none")


def _msoa_values(m: IndicatorMeta, place: Place, geo: _LsoaSet, period: str, sex: str,
                 sl: _Slice) -> PlaceValue:
    areas, n = geo.count_arrays("msoa11")  # the place's MSOAs, most LSOAs first
    first, nrows = sl.msoa_areas()
    inside = nrows[areas] > 0
    have, n_have = areas[inside], n[inside]
    if not len(have):
        return _result(m, period=period, sex=sex, used=None,
                       note="Published for MSOAs only; none covers this place.")
    names = _level_codes("msoa11")[1]
    sizes = _level_numbers("msoa11")[1]
    if len(have) == 1:
        a = have[0]
        code = str(names[a])
        how = ("this place is that MSOA" if sizes[a] == n_have[0]
               else "the MSOA containing this place is shown")
        return _result(m, period=period, sex=sex,  # an area listed twice has no one value
                       value=_f(sl.value[first[a]]) if nrows[a] == 1 else None,
                       used=_label(code), code=code,
                       note=f"Published for MSOAs only (values without counts); {how}.",
                       n_areas=1)
    if (nrows[have] == 1).all():
        vals = sl.value[first[have]]
    else:
        rows = sl.msoa_rows()
        vals = sl.value[[i for a in have for i in rows[names[a]]]]
    vals = vals[~np.isnan(vals)]
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (math.nan, math.nan)
    partial = int((sizes[have] != n_have).sum())
    note = (f"Published for MSOAs without counts, so no combined value can be made for a "
            f"place covering {len(have)} MSOAs; they range from {lo:.1f} to {hi:.1f}{m.unit}")
    note += f" ({partial} only partly inside the place)." if partial else "."
    return _result(m, period=period, sex=sex, used=f"{len(have)} MSOAs", note=note,
                   value_range=(lo, hi), n_areas=len(have))


def _sum_units(m: IndicatorMeta, place: Place, sl: _Slice, units: list[str], kind: str, *,
               period: str, sex: str) -> PlaceValue | str:
    """Sum counts (and denominators) over whole areas; else the reason it cannot be done."""
    missing = [u for u in units if u not in sl.first]
    names = [_name_of_code().get(u, (u, ""))[0] for u in units]
    if missing:
        miss = ", ".join(_name_of_code().get(u, (u, ""))[0] for u in missing[:6])
        return (f"it is made of {len(units)} whole {kind}, but {len(missing)} of them "
                f"({miss}{', ...' if len(missing) > 6 else ''}) have no value for {period}")
    idx = [i for u in units for i in sl.rows_of(u)]
    counts = sl.count[idx]
    no_count = np.isnan(counts)
    suppressed = no_count & np.array([sl.nil(i) for i in idx], dtype=bool)
    if (no_count & ~suppressed).any() or (
            m.value_type == "proportion" and np.isnan(sl.den[idx]).any()):
        return f"it is made of {len(units)} whole {kind}, but not all have published counts"
    count = float(np.where(no_count, 0.0, counts).sum())
    den: float | None = None
    if m.value_type == "proportion":
        den = float(sl.den[idx].sum())
        value = count / den * m.multiplier if den > 0 else None
    else:
        value = count
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    note = f"Sum over the {len(units)} {kind} the place is made of ({shown})."
    if suppressed.any():
        note += f" {int(suppressed.sum())} nil or negligible ('..') counted as 0."
    return _result(m, period=period, sex=sex, value=value, count=count, den=den,
                   england=sl.england, used=place.label, code=place.code,
                   note=note, n_areas=len(units), from_counts=m.ci_method != "none")


def _published(m: IndicatorMeta, place: Place, geo: _LsoaSet, period: str, sex: str,
               sl: _Slice) -> PlaceValue:
    england = sl.england
    data = sl.first
    is_england = place.kind == "country"
    # 1. the place's own row, or an area with exactly the place's LSOAs
    for code in _equivalent_codes(place, geo):
        if code in data:
            own = code == place.code or (is_england and code == ENGLAND)
            note = "" if own else f"{_label(code)} covers exactly this place's LSOAs."
            return _row_result(m, sl, data[code], period=period, sex=sex,
                               used=place.label if own else _label(code), note=note,
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
        names = ", ".join(_names("lad19").get(c, c) for c in list(n)[:8])
        more = f" and {len(n) - 8} more" if len(n) > 8 else ""
        return _result(m, period=period, sex=sex, england=england, used=None,
                       note=f"Published for {sl.levels} only; this place "
                       f"spans {len(n)} districts ({names}{more}) and no combined value "
                       "can be made without counts, so none is shown." + why_not)
    chain: list[tuple[str, str]] = []
    own_district = d19 is not None and place.code == d19
    if d19 is not None and not own_district:
        chain.append((d19, f"published for {sl.levels} only; the district "
                      f"containing this place, {_label(d19)}, is shown"))
    if d24 is not None and d24 != d19 and d24 != place.code:
        old = _names("lad19").get(d19, "") if d19 else ""
        others = sorted(_names("lad19")[c] for c, s in _successors().items()
                        if s == d24 and c != d19 and c != d24)
        why = (f"{old} was merged into {_names('lad24').get(d24, d24)} in April 2023 and "
               f"has no value for {period}" if old else "published for districts only")
        also = f", which also covers {' and '.join(others)}," if others else ""
        chain.append((d24, f"{why}; {_label(d24)}{also} is shown"))
    base = d19 or d24
    u19 = geo.single("utla19")
    if u19 is not None and u19 != base:
        chain.append((u19, f"published for upper-tier authorities only; {_label(u19)}, "
                      "which contains this place, is shown"))
    sicb = geo.single("sicbl22")
    if sicb is not None:
        chain.append((sicb, f"published for NHS geographies only; {_label(sicb)}, which "
                      "contains this place, is shown"))
    for code, why in chain:
        if code in data:
            note = why[0].upper() + why[1:] + "."
            return _row_result(m, sl, data[code], period=period, sex=sex,
                               used=_label(code), note=note)
    return _result(m, period=period, sex=sex, england=england, used=None,
                   note=f"No value is published for this place or an area containing it "
                   f"in {period}; the indicator is published for {sl.levels}."
                   + why_not)


def _published_levels(codes: Iterable[Any]) -> str:
    """Plain words for the geographies an indicator is published for (for notes)."""
    prefixes = {str(c)[:3] for c in codes}
    names: list[str] = []
    if "E07" in prefixes:
        names.append("districts and unitary authorities")
        if "E10" in prefixes:
            names.append("counties")
    elif prefixes & {"E06", "E08", "E09", "E10"}:
        names.append("upper-tier authorities (unitary authorities, metropolitan and London "
                     "boroughs" + (", counties)" if "E10" in prefixes else ")"))
    for prefix, label in (("E38", "sub-ICBs"), ("E54", "ICBs"), ("E12", "regions"),
                          ("E02", "MSOAs")):
        if prefix in prefixes:
            names.append(label)
    return ", ".join(names) if names else "England"


class _At:
    """A place with its LSOA sets, worked out once for all the indicators of a call."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.geo = _geo(place)
        self._lsoa21: _LsoaSet | None = None

    def lsoas(self, year: int) -> _LsoaSet:
        if year == 2011:
            return self.geo
        if self._lsoa21 is None:
            self._lsoa21 = _lsoa_set(tuple(self.place.lsoa21), 2021)
        return self._lsoa21


def indicator_for_place(place: Place | str, indicator_id: str, period: str | None = None,
                        sex: str | None = None) -> PlaceValue:
    """The indicator's value for a place, its CI, England value and comparison, and how
    it was obtained (see the module docstring for the rules).

    ``period`` None means the latest period (:func:`latest_period`); ``sex`` None means
    Persons when published, otherwise Male (then Female) - use :func:`indicators_for_place`
    to get both sexes.
    """
    return _for_place(_At(_resolve(place)), indicator_id, period, sex)


def _for_place(at: _At, indicator_id: str, period: str | None, sex: str | None) -> PlaceValue:
    place = at.place
    m = meta(indicator_id)
    _raw(m.id)  # an indicator without rows fails here, as values() would
    if sex is None:
        avail = sexes(m.id)
        sex = avail[0] if avail else "Persons"
    if period is None:
        period = latest_period(m.id, sex)
    sl = _slice(m.id, period, sex)
    if not sl.n_rows:
        return _result(m, period=period, sex=sex, used=None,
                       note=f"No data for {sex.lower()} in {period}.")
    if m.method in ("lsoa", "derived"):
        year = 2011 if m.method == "lsoa" else _DERIVED[m.id].lsoa_year
        assert sl.lsoa is not None
        return _lsoa_sum(m, place, period, sex, sl.lsoa, at.lsoas(year), sl.england)
    if m.method == "msoa":
        return _msoa_values(m, place, at.geo, period, sex, sl)
    return _published(m, place, at.geo, period, sex, sl)


def indicators_for_place(place: Place | str, include_unavailable: bool = False,
                         ids: Iterable[str] | None = None) -> list[PlaceValue]:
    """Every indicator for a place in its latest period: Persons where published, else Male
    and Female. Indicators with neither a value nor a range are left out unless
    ``include_unavailable`` (their note says why)."""
    at = _At(_resolve(place))
    out: list[PlaceValue] = []
    for ind in (ids if ids is not None else registry()):
        avail = sexes(ind)
        wanted = ["Persons"] if "Persons" in avail else [s for s in ("Male", "Female")
                                                        if s in avail]
        for sex in wanted:
            pv = _for_place(at, ind, None, sex)
            if include_unavailable or pv.value is not None or pv.value_range is not None:
                out.append(pv)
    return out


def by_deprivation_decile(indicator_id: str, place: Place | str,
                          vintage: int = 2019) -> pd.DataFrame:
    """Numerator and denominator summed by national IMD decile of the place's LSOAs, with
    Wilson CIs (decile 1 = most deprived; ten rows, empty deciles have lsoa_count 0).

    For LSOA-based indicators only (QOF attributed on LSOA 2011 -> IoD2019; Census 65+ on
    LSOA 2021 -> IoD2025; rural share on LSOA 2011 -> IoD2019). The Inequalities page and
    the SII use this.
    """
    place = _resolve(place)
    m = meta(indicator_id)
    if m.method == "lsoa":
        df = values(m.id)
        period = latest_period(m.id)
        lsoa = df[(df["area_type"] == "lsoa") & (df["period"] == period)]
        lsoa = lsoa.set_index("area_code")[["count", "denominator"]]
        year = 2011
    elif m.method == "derived":
        d = _DERIVED[m.id]
        lsoa, year = d.lsoa_frame()[["count", "denominator"]], d.lsoa_year
    else:
        raise ValueError(f"{indicator_id} is not LSOA-based ({m.method}); deciles need "
                         "LSOA numerators and denominators")
    need = 2019 if year == 2011 else 2025
    if vintage != need:
        raise ValueError(f"{indicator_id} is on LSOA {year}; use IoD vintage {need}")
    iod, col = (("iod2019_lsoa11", "lsoa11cd") if need == 2019
                else ("iod2025_lsoa21", "lsoa21cd"))
    dec = snapshot.table(iod).set_index(col)["IMD_decile"]
    codes = list(place.lsoa11 if year == 2011 else place.lsoa21)
    sub = lsoa.loc[lsoa.index.intersection(codes)].join(dec, how="inner")
    g = sub.groupby("IMD_decile").agg(lsoa_count=("count", "size"), count=("count", "sum"),
                                      denominator=("denominator", "sum"))
    g = g.reindex(range(1, 11)).rename_axis("imd_decile").reset_index()
    g["lsoa_count"] = g["lsoa_count"].fillna(0).astype("int64")
    g[["count", "denominator"]] = g[["count", "denominator"]].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["value"] = np.where(g["denominator"] > 0, g["count"] / g["denominator"]
                              * m.multiplier, np.nan)
    lo, hi = wilson_ci(g["count"].to_numpy(), g["denominator"].to_numpy(), 0.95)
    g["lower_ci"] = np.asarray(lo) * m.multiplier
    g["upper_ci"] = np.asarray(hi) * m.multiplier
    g["small_number"] = g["count"].notna() & (g["count"] < SMALL_NUMBER_THRESHOLD)
    g["vintage"] = vintage
    return g


def town_flags(place: Place | str) -> dict[str, Any] | None:
    """The ONS towns flags (coastal, income group, 2011 population) of a town's BUA, if any."""
    place = _resolve(place)
    if not place.bua11:
        return None
    t = snapshot.table("towns_flags")
    hit = t[t["town_code"] == place.bua11]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def clear_cache() -> None:
    """Forget cached frames (tests that swap the snapshot folder)."""
    for fn in (registry, _store_groups, _raw_cached, _values_cached, _geo11, _level_sizes,
               _names, _name_of_code, _successors, _derived_lsoa, _lsoa_codes,
               _lsoa_positions, _lsoa_set, _level_codes, _level_numbers, _derived_data,
               _slice, _wilson, _latest_cached, _sexes_cached):
        fn.cache_clear()
    _CATEGORY_POSITIONS.clear()
