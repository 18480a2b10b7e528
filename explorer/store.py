"""Store queries: one indicator's rows from the snapshot table ``indicator_values``, or,
for derived indicators, computed from other snapshot tables (Census ages, rural class,
the IoD2019 File 7/8 counts behind Core20 and the income, employment, IDACI and IDAOPI
rates). Everything is cached per process and shared: treat returned frames as read-only.

Also the per-(indicator, period, sex) :class:`Slice` the place-value engine reads, so a
place's value is a look-up and an array sum, not a frame filter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from explorer.codes import member
from explorer.geography import (
    ENGLAND,
    LsoaData,
    geo11,
    level_numbers,
    published_levels,
    resolve,
)
from explorer.places import Place
from explorer.registry import DERIVED_IDS, SEX_ORDER, IndicatorMeta, UnknownIndicatorError, meta
from explorer.registry import registry as _registry
from explorer.stats.proportions import wilson_ci
from loaders import snapshot

STORE_TABLE = "indicator_values"


def as_float(x: Any) -> float | None:
    """A stored cell as a float; None for missing, NaN or non-numeric."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else v


def validate_against_store() -> list[str]:
    """Problems between the registry and the store (empty when consistent).

    Every indicator in ``indicator_values`` must have metadata, every published/lsoa/msoa
    entry must have rows, and the rows' ``source`` must be the entry's provenance key.
    """
    problems: list[str] = []
    store = _store_groups()
    reg = _registry()
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


@functools.cache
def _store_groups() -> dict[str, pd.DataFrame]:
    """The store split by indicator: the only copy of its rows a process keeps (read with
    ``snapshot.read``, not the table cache: the whole table stays cached nowhere)."""
    df = snapshot.read(STORE_TABLE)
    return {str(k): g.reset_index(drop=True)
            for k, g in df.groupby("indicator_id", observed=True, sort=True)}


def store_dtypes() -> pd.Series:
    """The store's column types (every indicator's frame has the same)."""
    return next(iter(_store_groups().values())).dtypes


def store_columns() -> list[str]:
    return list(store_dtypes().index)


def _fill(frame: pd.DataFrame, m: IndicatorMeta) -> pd.DataFrame:
    """Fill values the store leaves implicit: LSOA values (count / denominator) and Wilson
    95% CIs where the indicator uses Wilson and the source gave counts but no limits.
    Nothing to fill: the same (shared, read-only) frame, not a copy."""
    has_nd = frame["count"].notna() & frame["denominator"].notna() & (frame["denominator"] > 0)
    need_v = frame["value"].isna() & has_nd & (m.value_type == "proportion")
    need_ci = frame["lower_ci"].isna() & has_nd if m.ci_method == "Wilson" else None
    if not need_v.any() and (need_ci is None or not need_ci.any()):
        return frame
    # a shallow copy with three new columns: the other columns (codes, periods, counts) stay
    # shared with the raw frame, so a filled indicator costs 3 arrays, not a second frame
    out = frame.copy(deep=False)
    value = frame["value"].to_numpy(dtype=float, copy=True)
    if need_v.any():
        nv = need_v.to_numpy(dtype=bool)
        value[nv] = (frame["count"].to_numpy(dtype=float)[nv]
                     / frame["denominator"].to_numpy(dtype=float)[nv] * m.multiplier)
    out["value"] = value
    if need_ci is not None and need_ci.any():
        nc = need_ci.to_numpy(dtype=bool)
        lower = frame["lower_ci"].to_numpy(dtype=float, copy=True)
        upper = frame["upper_ci"].to_numpy(dtype=float, copy=True)
        lo, hi = wilson_ci(frame["count"].to_numpy(dtype=float)[nc],
                           frame["denominator"].to_numpy(dtype=float)[nc], 0.95)
        lower[nc] = np.asarray(lo) * m.multiplier
        upper[nc] = np.asarray(hi) * m.multiplier
        out["lower_ci"] = lower
        out["upper_ci"] = upper
    return out


@functools.cache
def _raw_cached(indicator_id: str) -> pd.DataFrame:
    """One indicator's rows before :func:`_fill` (derived indicators: the computed rows)."""
    m = meta(indicator_id)
    if m.method == "derived":
        df = DERIVED[indicator_id].frame()
        df["indicator_id"] = m.id
        df["source"] = m.source
        # the store's own column types: as text, the repeated codes, periods and sources
        # of 33,000 LSOA rows cost ~4.5 MB per indicator (~30 MB for the seven), as
        # categories ~1 MB, and every caller sees one kind of frame, stored or derived
        kinds = store_dtypes()
        # (each frame its own categories: the store's would turn unknown codes into NaN)
        return pd.DataFrame({c: df[c].astype("category" if kinds[c] == "category"
                                             else kinds[c]) for c in store_columns()})
    frame = _store_groups().get(indicator_id)
    if frame is None:
        raise UnknownIndicatorError(f"No rows for indicator {indicator_id!r} in {STORE_TABLE}")
    return frame


def raw(indicator_id: str) -> pd.DataFrame:
    """Unfilled rows. :func:`_fill` only adds values and CIs where counts are given, so the
    periods, sexes and rows with a value or a count are the same as in :func:`values`, and
    filling is row by row, so filling a subset equals subsetting the filled frame."""
    return _raw_cached(str(indicator_id))


@functools.cache
def _values_cached(indicator_id: str) -> pd.DataFrame:
    return _fill(raw(indicator_id), meta(indicator_id))


def values(indicator_id: str) -> pd.DataFrame:
    """Every row of one indicator (store columns; LSOA values and Wilson CIs filled in).

    Derived indicators return computed LSOA rows and an England row. The frame is shared:
    do not modify it.
    """
    return _values_cached(str(indicator_id))


def periods(indicator_id: str, sex: str | None = None) -> list[str]:
    """Period labels in time order (by the end of the period, then its start)."""
    df = raw(indicator_id)
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
    df = raw(indicator_id)
    keep = (df["value"].notna() | df["count"].notna()).to_numpy(dtype=bool)
    if sex is not None:
        keep = keep & (df["sex"] == sex).to_numpy(dtype=bool, na_value=False)
    if area_codes is not None:
        keep = keep & member(df["area_code"], area_codes)
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
    df = raw(indicator_id)
    if period is not None:
        df = df[df["period"] == period]
    have = {str(x) for x in df["sex"].dropna().unique()}
    return tuple(s for s in SEX_ORDER if s in have)


@dataclass(frozen=True)
class Derived:
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
def _derived_lsoa(d: Derived) -> pd.DataFrame:
    return d.build().set_index("area_code")


def _census_65plus() -> pd.DataFrame:
    c = snapshot.table("census2021_age_lsoa21")
    return pd.DataFrame({"area_code": c["lsoa21cd"].astype(str),
                         "count": c["pop_65_plus"].astype("float64"),
                         "denominator": c["pop_total"].astype("float64")})


def _rural_share() -> pd.DataFrame:
    iod = snapshot.table("iod2019_lsoa11").set_index("lsoa11cd")["pop_total"]
    rural = geo11()["ruc11_rural"].reindex(iod.index).fillna(False).astype(bool)
    return pd.DataFrame({"area_code": iod.index.astype(str),
                         "count": (iod * rural).astype("float64").to_numpy(),
                         "denominator": iod.astype("float64").to_numpy()})


def _iod2019_counts(numerator: str, denominator: str) -> Callable[[], pd.DataFrame]:
    """IoD2019 File 8 numerator over File 7 denominator per LSOA 2011; LSOAs without a
    published numerator are left out of both (they then count as "no data")."""
    def build() -> pd.DataFrame:
        iod = snapshot.table("iod2019_lsoa11")
        den = iod[denominator].astype("float64")
        if numerator == "core20":  # residents of LSOAs in national IMD deciles 1-2
            num = iod["pop_total"].astype("float64").where(iod["IMD_decile"] <= 2, 0.0)
        else:
            num = iod[numerator].astype("float64")
        ok = num.notna() & den.notna()
        return pd.DataFrame({"area_code": iod.loc[ok, "lsoa11cd"].astype(str).to_numpy(),
                             "count": num[ok].to_numpy(), "denominator": den[ok].to_numpy()})
    return build


_IOD19 = "IoD2019 (2015–16 data)"
DERIVED: dict[str, Derived] = {
    "census-65plus": Derived("2021", 2021, 2021, _census_65plus,
                             "Census 2021 usual residents (aged 65+ / all)"),
    "rural-share": Derived("RUC 2011 (mid-2015 population)", 2015, 2011, _rural_share,
                           "mid-2015 residents (in rural LSOAs / all)"),
    "core20": Derived(_IOD19, 2015, 2011, _iod2019_counts("core20", "pop_total"),
                      "mid-2015 residents (in LSOAs of national IMD deciles 1–2 / all)"),
    "income_deprivation": Derived(_IOD19, 2015, 2011,
                                  _iod2019_counts("income_num", "pop_total"),
                                  "IoD2019 income-deprived people (File 8) / mid-2015 "
                                  "residents"),
    "employment_deprivation": Derived(_IOD19, 2015, 2011,
                                      _iod2019_counts("employment_num", "pop_working_age"),
                                      "IoD2019 employment-deprived people (File 8) / "
                                      "mid-2015 working-age residents"),
    "idaci": Derived(_IOD19, 2015, 2011, _iod2019_counts("idaci_num", "pop_0_15"),
                     "IoD2019 children in income-deprived families (File 8) / mid-2015 "
                     "children 0–15"),
    "idaopi": Derived(_IOD19, 2015, 2011, _iod2019_counts("idaopi_num", "pop_60_plus"),
                      "IoD2019 income-deprived people 60+ (File 8) / mid-2015 residents "
                      "60+"),
}
if set(DERIVED) != DERIVED_IDS:  # the registry validates entries against this list
    raise RuntimeError("explorer.store.DERIVED and explorer.registry.DERIVED_IDS differ")


@functools.cache
def derived_data(indicator_id: str) -> LsoaData:
    d = DERIVED[indicator_id]
    lsoa = d.lsoa_frame()
    return LsoaData(pd.Series(lsoa.index), lsoa["count"], lsoa["denominator"], d.lsoa_year)


class Labels:
    """A text column of a slice read row by row: the categorical's small integer codes and
    its (shared) categories, not a Python list of one reference per row. The slices of a
    warmed server cover the whole store (~790,000 rows): five such columns as lists were
    ~32 MB, as codes ~6 MB."""

    __slots__ = ("codes", "labels")

    def __init__(self, column: pd.Series) -> None:
        if isinstance(column.dtype, pd.CategoricalDtype):
            self.codes = column.cat.codes.to_numpy()
            self.labels = column.cat.categories.tolist() if len(column.cat.categories) < 256 \
                else column.cat.categories  # big (area codes): the store's one Index
        else:  # not from the store (a test's frame): factorised here
            self.codes, uniques = pd.factorize(column, use_na_sentinel=True)
            self.labels = list(uniques)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> Any:
        k = self.codes[i]
        return None if k < 0 else self.labels[k]

    def has(self, value: Any) -> bool:
        """Whether any row holds ``value``."""
        hits = [k for k, label in enumerate(self.labels) if label == value] \
            if isinstance(self.labels, list) else self.labels.get_indexer([value]).tolist()
        return any(k >= 0 and bool((self.codes == k).any()) for k in hits)

    def __iter__(self) -> Iterator[Any]:
        labels = self.labels
        return (None if k < 0 else labels[k] for k in self.codes.tolist())


class Slice:
    """One indicator's rows for a period and sex (no category), filled and laid out for
    per-place lookups: the England value, each area's first row, and for LSOA-summed
    indicators the LSOA counts (:class:`LsoaData`). Built once per (indicator, period,
    sex), so a place's value needs no filtering of the indicator's frame."""

    def __init__(self, m: IndicatorMeta, period: Any, sex: Any) -> None:
        frame = raw(m.id)
        keep = ((frame["period"] == period) & (frame["sex"] == sex)).to_numpy(
            dtype=bool, na_value=False) & frame["category"].isna().to_numpy(dtype=bool)
        self.n_rows = int(keep.sum())
        self.lsoa: LsoaData | None = None
        if m.method in ("lsoa", "derived"):
            is_lsoa = (frame["area_type"] == "lsoa").to_numpy(dtype=bool, na_value=False)
            if m.method == "lsoa":
                self.lsoa = LsoaData(frame["area_code"], frame["count"], frame["denominator"],
                                     2011, keep & is_lsoa)
            else:
                self.lsoa = derived_data(m.id)
            keep = keep & ~is_lsoa  # only the England value is needed from the other rows
        #: rows whose limits are the publisher's (not filled in by :func:`_fill`)
        self.published_ci = (frame["lower_ci"].notna() & frame["upper_ci"].notna()).to_numpy(
            dtype=bool)[keep]
        rows = _fill(frame[keep], m)
        codes = rows["area_code"].tolist()  # for the look-up below only: not kept
        self.codes = Labels(rows["area_code"])
        self.area_type = Labels(rows["area_type"])
        self.first: dict[Any, int] = {}
        for i, code in enumerate(codes):
            self.first.setdefault(code, i)
        self._all: dict[Any, list[int]] | None = None
        self._msoa: dict[Any, list[int]] | None = None
        self._msoa_areas: tuple[np.ndarray, np.ndarray] | None = None
        num = {c: rows[c].to_numpy(dtype=np.float64, na_value=np.nan)
               for c in ("value", "lower_ci", "upper_ci", "count", "denominator")}
        self.value, self.lower, self.upper = num["value"], num["lower_ci"], num["upper_ci"]
        self.count, self.den = num["count"], num["denominator"]
        self.age = Labels(rows["age"])
        self.value_note = Labels(rows["value_note"])
        self.compared = Labels(rows["compared_to_england"])
        self.any_msoa = self.area_type.has("msoa")
        eng = self.first.get(ENGLAND)
        self.england = as_float(self.value[eng]) if eng is not None else None
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
        """Per MSOA (numbered as in :func:`level_codes`): its first row (-1 if none) and
        how many rows it has."""
        if self._msoa_areas is None:
            number, sizes = level_numbers("msoa11")
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
            self._levels = published_levels(self.codes)
        return self._levels


@functools.lru_cache(maxsize=4096)
def slice_of(indicator_id: str, period: Any, sex: Any) -> Slice:
    return Slice(meta(indicator_id), period, sex)




def town_flags(place: Place | str) -> dict[str, Any] | None:
    """The ONS towns flags (coastal, income group, 2011 population) of a town's BUA, if any."""
    place = resolve(place)
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
    for fn in (_store_groups, _raw_cached, _values_cached, _derived_lsoa, derived_data,
               slice_of, _latest_cached, _sexes_cached):
        fn.cache_clear()
