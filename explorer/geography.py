"""Geography for place values: the LSOA lookups read and indexed once, the level names and
area codes, and the one way LSOA numbers are summed into a place.

Why a module of its own: every page asks "which published areas make up this place, which
one contains it, and what do its LSOAs add up to?". The lookups (LSOA 2011 -> district,
county, sub-ICB, ICB, region, MSOA; LSOA 2021) are read once per process; a place's
LSOA set is located once (:func:`lsoa_set`); and :class:`LsoaData` lays numerators and
denominators on the lookup's rows so that :meth:`LsoaData.total` (a place) and
:meth:`LsoaData.by_group` (deciles) are the only LSOA sums of the place-value engine.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from explorer.places import Place
from explorer.places import registry as place_registry
from loaders import snapshot

ENGLAND = "E92000001"

LEVELS = {  # level -> (code column, name column, label for notes)
    "lad19": ("lad19cd", "lad19nm", "district"),
    "lad24": ("lad24cd", "lad24nm", "district from April 2023"),
    "utla19": ("utla19cd", "utla19nm", "county"),
    "sicbl22": ("sicbl22cd", "sicbl22nm", "sub-ICB"),
    "icb22": ("icb22cd", "icb22nm", "ICB"),
    "rgn19": ("rgn19cd", "rgn19nm", "region"),
    "msoa11": ("msoa11cd", "msoa11hclnm", "MSOA"),
}



@functools.cache
def geo11() -> pd.DataFrame:
    return snapshot.table("geo_lsoa11").set_index("lsoa11cd")


@functools.cache
def level_sizes(level: str) -> dict[str, int]:
    col = LEVELS[level][0]
    return geo11()[col].value_counts().to_dict()


@functools.cache
def names(level: str) -> dict[str, str]:
    col, name, _ = LEVELS[level]
    g = geo11()
    if level == "msoa11":
        return {c: f"{m} ({h})" for c, m, h in
                g[[col, "msoa11nm", name]].drop_duplicates(col).itertuples(index=False)}
    return dict(g[[col, name]].drop_duplicates(col).itertuples(index=False))


@functools.cache
def name_of_code() -> dict[str, tuple[str, str]]:
    """Any area code -> (name, kind label), for notes."""
    out: dict[str, tuple[str, str]] = {ENGLAND: ("England", "country")}
    for level in ("msoa11", "icb22", "sicbl22", "rgn19", "utla19", "lad24", "lad19"):
        label = LEVELS[level][2]
        if level == "lad24":
            label = "district"
        for code, name in names(level).items():
            out[code] = (name, label)
    for code in ("E06000063", "E06000064", "E06000065", "E06000066"):
        if code in out:
            out[code] = (out[code][0], "district from April 2023")
    return out


@functools.cache
def successors() -> dict[str, str]:
    """2019 district -> its May 2024 district (itself when unchanged)."""
    g = geo11()[["lad19cd", "lad24cd"]].drop_duplicates("lad19cd")
    return dict(g.itertuples(index=False))


def label(code: str) -> str:
    name, kind = name_of_code().get(code, (code, "area"))
    return f"{name} ({kind})"


@functools.cache
def lsoa_codes(year: int) -> pd.Index:
    """LSOA codes of the geography lookup of that vintage, in its order (sums run in it)."""
    if year == 2011:
        return geo11().index
    return pd.Index(snapshot.table("geo_lsoa21")["lsoa21cd"])


@functools.cache
def lsoa_positions(year: int) -> dict[str, int]:
    # interned: the keys are then the place registry's own code strings, not a third copy
    return {sys.intern(code): i for i, code in enumerate(lsoa_codes(year).tolist())}


class LsoaSet:
    """A set of LSOA codes located in the geography lookup of its vintage, with (2011 sets
    only) the areas they make up. Built once per set of codes (:func:`lsoa_set`), so a
    place's geography is worked out once, not once per indicator."""

    def __init__(self, codes: tuple[str, ...], year: int) -> None:
        where = lsoa_positions(year)
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
            codes, names = level_codes(level)
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
        """:meth:`counts` as (area numbers of :func:`level_codes`, LSOA counts)."""
        if level not in self._arrays:
            self.counts(level)
        return self._arrays[level]

    def whole(self, level: str) -> list[str] | None:
        """The areas of ``level`` the LSOAs make up exactly, or None if they cut one."""
        if level not in self._whole:
            counts = self.counts(level)
            whole = None
            if counts:
                sizes = level_sizes(level)
                if all(sizes.get(code, -1) == n for code, n in counts.items()):
                    whole = sorted(counts)
            self._whole[level] = whole
        return self._whole[level]

    def single(self, level: str) -> str | None:
        counts = self.counts(level)
        return str(next(iter(counts))) if len(counts) == 1 else None


@functools.cache
def level_codes(level: str) -> tuple[np.ndarray, np.ndarray]:
    """Each lookup row's area of ``level`` as an integer (-1 if none), and the area codes."""
    codes, names = pd.factorize(geo11()[LEVELS[level][0]])
    return np.asarray(codes, dtype=np.intp), np.asarray(names, dtype=object)


@functools.cache
def level_numbers(level: str) -> tuple[dict[str, int], np.ndarray]:
    """Area code -> its number in :func:`level_codes`, and each area's LSOA count."""
    codes, names = level_codes(level)
    sizes = np.bincount(codes[codes >= 0], minlength=len(names))
    return {name: i for i, name in enumerate(names.tolist())}, sizes


@functools.lru_cache(maxsize=512)
def lsoa_set(codes: tuple[str, ...], year: int) -> LsoaSet:
    return LsoaSet(codes, year)


def place_lsoas(place: Place) -> LsoaSet:
    """The place's LSOAs (2011) in the lookup."""
    return lsoa_set(tuple(place.lsoa11), 2011)


def equivalent_codes(place: Place, geo: LsoaSet | None = None) -> list[str]:
    """Codes of published areas whose LSOAs are exactly the place's (own code first)."""
    geo = geo or place_lsoas(place)
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


def resolve(place: Place | str) -> Place:
    return place if isinstance(place, Place) else place_registry().resolve(place)


class LsoaData:
    """LSOA numerators and denominators laid out on the geography lookup's rows, so a place's
    sum is a gather over its positions (missing counts count as 0, as a pandas sum does)."""

    def __init__(self, codes: pd.Series, count: pd.Series, den: pd.Series, year: int,
                 keep: np.ndarray | None = None) -> None:
        """Rows ``keep`` (a boolean mask; all rows if None) of aligned columns."""
        pos = code_positions(codes, year)
        cnt = count.to_numpy(dtype=np.float64, na_value=np.nan)
        dnm = den.to_numpy(dtype=np.float64, na_value=np.nan)
        if keep is not None:
            pos, cnt, dnm = pos[keep], cnt[keep], dnm[keep]
        cnt = np.where(np.isnan(cnt), 0.0, cnt)
        dnm = np.where(np.isnan(dnm), 0.0, dnm)
        n = len(lsoa_codes(year))
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

    def total(self, lsoas: LsoaSet) -> tuple[int, float, float]:
        """(LSOAs with data, count, denominator) over a set of LSOAs."""
        p = lsoas.positions
        p = p[self.has[p]]
        n, count, den = len(p), self.count[p].sum(), self.den[p].sum()
        for code in lsoas.outside:
            if code in self.extra:
                c, d = self.extra[code]
                n, count, den = n + 1, count + c, den + d
        return n, float(count), float(den)

    def by_group(self, positions: np.ndarray, groups: np.ndarray, n_groups: int,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(LSOAs with data, count, denominator) per group, for LSOAs at lookup rows
        ``positions`` in groups ``groups`` (0..n_groups-1; -1 = in no group). The same
        sum as :meth:`total`, split by group (deciles of a place, areas of a map level)."""
        positions = np.asarray(positions, dtype=np.intp)
        groups = np.asarray(groups, dtype=np.intp)
        ok = (positions >= 0) & (groups >= 0)
        ok[ok] = self.has[positions[ok]]
        p, g = positions[ok], groups[ok]
        n = np.bincount(g, minlength=n_groups)
        count = np.bincount(g, weights=self.count[p], minlength=n_groups)
        den = np.bincount(g, weights=self.den[p], minlength=n_groups)
        return n, count, den

    def by_area(self, lsoas: pd.Series | np.ndarray, areas: pd.Series | np.ndarray,
                year: int) -> pd.DataFrame:
        """Sums for every area of a membership table (LSOA code -> area code): index area
        code; columns ``lsoa_count``, ``count``, ``denominator`` (areas without data have
        ``lsoa_count`` 0). Used by the map for whole levels."""
        pos = code_positions(pd.Series(np.asarray(lsoas, dtype=object)), year)
        codes, uniques = pd.factorize(pd.Series(np.asarray(areas, dtype=object)))
        n, count, den = self.by_group(pos, codes, len(uniques))
        return pd.DataFrame({"lsoa_count": n, "count": count, "denominator": den},
                            index=pd.Index(uniques, name="area"))


def lsoa_data(count: pd.Series, den: pd.Series, year: int) -> LsoaData:
    """An :class:`LsoaData` from two series indexed by LSOA code (of ``year``)."""
    return LsoaData(pd.Series(count.index), count.reset_index(drop=True),
                    den.reindex(count.index).reset_index(drop=True), year)


_CATEGORY_POSITIONS: dict[tuple[int, int], tuple[pd.Index, np.ndarray]] = {}


def code_positions(codes: pd.Series, year: int) -> np.ndarray:
    """Each code's row in the geography lookup (-1 if absent). Categorical codes are mapped
    through their categories, which every indicator's frame shares."""
    lookup = lsoa_codes(year)
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



def published_levels(codes: Iterable[Any]) -> str:
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




def clear_cache() -> None:
    """Forget cached lookups (tests that swap the snapshot folder)."""
    for fn in (geo11, level_sizes, names, name_of_code, successors, lsoa_codes,
               lsoa_positions, lsoa_set, level_codes, level_numbers):
        fn.cache_clear()
    _CATEGORY_POSITIONS.clear()
