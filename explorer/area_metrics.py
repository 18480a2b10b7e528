"""The map's indicator registry: what can be coloured, at which geography, from which source.

A *geography* is a boundary level at an IoD vintage (LSOA 2011 for IoD2019, LSOA 2021 for
IoD2025, wards, districts, ICBs). Every geography is built from LSOAs through a membership
table, so any indicator known per LSOA can be shown at every level: scores are averaged with
population weights (MHCLG's "average score"), counts are summed and rates are a ratio of
summed numerators and denominators.

An *indicator* says how to get one value per area for a geography, its units and polarity,
and how to class it nationally (official deciles for LSOAs, deciles of all English areas of
the level otherwise). Indicators that share a *series* share their tooltip text and colour
classes in the static map files (the IMD score and the IMD decile colour the same way), which
keeps the all-England file small.

Health indicators with LSOA-level numerators and denominators plug in with
:func:`lsoa_ratio_indicator` and :func:`register`. :func:`load_external` is the adapter to
``explorer.indicators``: every entry of ``data/indicators.yaml`` with ``method: lsoa`` or
``derived`` (QOF attributed to LSOAs, Census 2021 age, rural share) becomes a map indicator
whose counts are read through ``explorer.indicators.values`` when first drawn. Indicators
published only for districts or MSOAs (no LSOA counts) are not on the map.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from explorer.codes import member
from explorer.profile import OFFICIAL_LEVELS, lsoa_frame, official_summaries
from loaders import snapshot
from loaders.deprivation import DOMAINS

#: The one polarity vocabulary (:data:`explorer.stats.compare.POLARITIES`): for a map,
#: "low_is_good" means high values are the worst (class 1).
Polarity = Literal["high_is_good", "low_is_good", "no_judgement"]
ClassMethod = Literal["official_decile", "rank_decile", "flag", "bands"]

LEVELS: dict[str, str] = {
    "lsoa": "LSOA (small area)",
    "ward": "Ward (North West)",
    "district": "District",
    "icb": "ICB",
}
DEFAULT_LEVEL = "lsoa"
NORTH_WEST = "E12000002"
#: The palette index used for "no value" (index 0 in the map palette; classes are 1..10).
MISSING_CLASS = 0


@dataclass(frozen=True)
class Geography:
    """One boundary level at one IoD vintage."""

    id: str
    level: str
    vintage: int
    label: str
    singular: str
    plural: str
    boundary_table: str
    lsoa_year: int
    #: Where boundaries exist (``None`` = all England).
    coverage: str | None = None
    note: str = ""

    @property
    def is_lsoa(self) -> bool:
        return self.level == "lsoa"


GEOGRAPHIES: dict[str, Geography] = {g.id: g for g in (
    Geography("lsoa19", "lsoa", 2019, "LSOA (2011)", "LSOA", "LSOAs", "boundaries_lsoa11", 2011),
    Geography("lsoa25", "lsoa", 2025, "LSOA (2021)", "LSOA", "LSOAs", "boundaries_lsoa21", 2021),
    Geography("ward19", "ward", 2019, "Ward (Dec 2019)", "ward", "wards", "boundaries_wards19",
              2011, coverage=NORTH_WEST,
              note="Wards are aggregated from LSOAs by the ONS best-fit lookup."),
    Geography("ward25", "ward", 2025, "Ward (Dec 2019)", "ward", "wards", "boundaries_wards19",
              2021, coverage=NORTH_WEST,
              note="IoD2025 LSOAs (2021) are assigned to December 2019 wards through the ONS "
              "2011→2021 LSOA lookup (an LSOA counts where at least half its 2011 parents "
              "are): approximate."),
    Geography("district19", "district", 2019, "District (Dec 2019)", "district", "districts",
              "boundaries_lad19", 2011),
    Geography("district25", "district", 2025, "District (May 2024)", "district", "districts",
              "boundaries_lad24", 2021),
    Geography("icb19", "icb", 2019, "ICB (July 2022)", "ICB", "ICBs", "boundaries_icb22", 2011),
    Geography("icb25", "icb", 2025, "ICB (April 2024)", "ICB", "ICBs", "boundaries_icb24", 2021),
)}


def geography(level: str, vintage: int) -> Geography:
    """The geography for a URL level (``lsoa``, ``ward``…) and an IoD vintage."""
    for g in GEOGRAPHIES.values():
        if g.level == level and g.vintage == vintage:
            return g
    raise KeyError(f"no geography for level {level!r} and vintage {vintage!r}")


# --------------------------------------------------------------------------------------
# Membership: which LSOAs make up each area


def _lsoa21_names() -> pd.Series:
    g21 = snapshot.table("geo_lsoa21")
    for col in ("lsoa21nm", "lsoa21_name", "lsoa21_name_x"):
        if col in g21.columns:
            return g21.set_index("lsoa21cd")[col].astype(str)
    b = snapshot.geo_table("boundaries_lsoa21")
    return b.set_index("code")["name"].astype(str)


def _ward25_membership() -> pd.DataFrame:
    """LSOA 2021 → Dec 2019 ward: the ``places.lsoa21_from_lsoa11`` rule, vectorised."""
    lk = snapshot.table("lsoa11_lsoa21")[["lsoa11cd", "lsoa21cd"]]
    wd = snapshot.table("geo_lsoa11")[["lsoa11cd", "wd19cd"]]
    m = lk.merge(wd, on="lsoa11cd", how="inner")
    n_parents = lk.groupby("lsoa21cd").size()
    counts = m.groupby(["lsoa21cd", "wd19cd"]).size().rename("k").reset_index()
    counts["share"] = counts["k"] / counts["lsoa21cd"].map(n_parents)
    keep = counts[counts["share"] >= 0.5]
    return pd.DataFrame({"lsoa": keep["lsoa21cd"].to_numpy(), "area": keep["wd19cd"].to_numpy()})


@functools.cache
def membership(geo_id: str) -> pd.DataFrame:
    """Columns ``lsoa``, ``area`` for every English area of the geography (read-only)."""
    geo = GEOGRAPHIES[geo_id]
    if geo.is_lsoa:
        codes = lsoa_frame(geo.vintage).index.to_numpy()
        return pd.DataFrame({"lsoa": codes, "area": codes})
    if geo_id == "ward25":
        return _ward25_membership()
    col = {"ward19": "wd19cd", "district19": "lad19cd", "icb19": "icb22cd",
           "district25": "lad24cd", "icb25": "icb24cd"}[geo_id]
    table = "geo_lsoa11" if geo.lsoa_year == 2011 else "geo_lsoa21"
    code = "lsoa11cd" if geo.lsoa_year == 2011 else "lsoa21cd"
    g = snapshot.table(table)
    return pd.DataFrame({"lsoa": g[code].to_numpy(), "area": g[col].to_numpy()})


def _short_icb(name: str) -> str:
    return re.sub(r"^NHS |Integrated Care Board$", "", str(name)).strip() + " ICB"


@functools.cache
def area_names(geo_id: str) -> pd.DataFrame:
    """Index: area code; columns ``name`` and ``parent`` (the place it belongs to)."""
    geo = GEOGRAPHIES[geo_id]
    if geo_id == "lsoa19":
        g = snapshot.table("geo_lsoa11").set_index("lsoa11cd")
        return pd.DataFrame({"name": g["lsoa11nm"],
                             "parent": g["wd19nm"] + " ward, " + g["lad19nm"]})
    if geo_id == "lsoa25":
        g = snapshot.table("geo_lsoa21").set_index("lsoa21cd")
        return pd.DataFrame({"name": _lsoa21_names().reindex(g.index),
                             "parent": g["wd24nm"] + " ward, " + g["lad24nm"]})
    if geo.level == "ward":
        w = snapshot.table("wards19").set_index("wd19cd")
        return pd.DataFrame({"name": w["wd19nm"], "parent": w["lad19nm"]})
    if geo_id == "district19":
        d = snapshot.table("districts").set_index("lad19cd")
        return pd.DataFrame({"name": d["lad19nm"], "parent": d["rgnnm"].fillna("England")})
    if geo_id == "district25":
        g = snapshot.table("geo_lsoa21").drop_duplicates("lad24cd").set_index("lad24cd")
        return pd.DataFrame({"name": g["lad24nm"], "parent": g["rgnnm"]})
    # ICBs: the region most of their LSOAs are in
    table, cd, nm, rgn = (("geo_lsoa11", "icb22cd", "icb22nm", "rgn19nm") if geo_id == "icb19"
                          else ("geo_lsoa21", "icb24cd", "icb24nm", "rgnnm"))
    g = snapshot.table(table)
    names = g.drop_duplicates(cd).set_index(cd)[nm].map(_short_icb)
    parent = g.groupby(cd)[rgn].agg(lambda s: s.value_counts().index[0])
    return pd.DataFrame({"name": names, "parent": parent.reindex(names.index)})


# --------------------------------------------------------------------------------------
# Values per area


def _lsoa_values(vintage: int) -> pd.DataFrame:
    df = lsoa_frame(vintage)
    out = pd.DataFrame(index=df.index)
    out["population"] = df["pop_total"].astype("float64")
    for d in DOMAINS:
        out[f"{d}_score"] = df[f"{d}_score"].astype("float64")
        out[f"{d}_decile"] = df[f"{d}_decile"].astype("float64")
    out["core20"] = (df["IMD_decile"] <= 2).astype("float64")
    return out


def weighted_mean(values: pd.DataFrame, weights: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """Population-weighted mean of each column by group, ignoring missing values."""
    out = {}
    for col in values.columns:
        v = values[col]
        ok = v.notna() & weights.notna()
        num = (v[ok] * weights[ok]).groupby(groups[ok]).sum()
        den = weights[ok].groupby(groups[ok]).sum()
        out[col] = num / den.where(den > 0)
    return pd.DataFrame(out)


def national_deciles(values: pd.Series, polarity: Polarity) -> pd.Series:
    """Decile of each value among all the given areas: 1 = most deprived/worst/largest.

    ``ceil(rank * 10 / n)`` with rank 1 the worst, ties averaged; missing stays missing.
    This is the rule MHCLG uses for LSOA deciles, applied to the areas of one level.
    """
    return quantile_classes(values, polarity)


def quantile_classes(values: pd.Series, polarity: Polarity, k: int = 10) -> pd.Series:
    """Classes 1..k by rank within ``values`` (1 = worst, or largest when neutral)."""
    # numpy, not pandas, for the masking and arithmetic: a map view makes ~20 of these per
    # new extent, and pandas' boolean setitem and clip cost ~9 ms a call against ~0.1 ms
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(v)
    n = int(ok.sum())
    out = np.full(len(v), np.nan)
    if n:
        ascending = polarity == "high_is_good"
        rank = pd.Series(v[ok]).rank(ascending=ascending, method="average").to_numpy()
        out[ok] = np.clip(np.ceil(rank * k / n), 1, k)
    return pd.Series(out, index=values.index, dtype="float64")


@dataclass(frozen=True)
class AreaIndicator:
    """One thing the map can colour by."""

    id: str
    label: str
    group: str
    unit: str
    polarity: Polarity
    #: Values per area (index: area code) for a geography, all English areas of the level.
    values: Callable[[Geography], pd.Series] = field(repr=False, compare=False)
    #: National classes 1..10 (index: area code) for a geography.
    classes: Callable[[Geography], pd.Series] = field(repr=False, compare=False)
    #: Formats one value for tooltips and tables ("45.0", "23.4%", "1,523").
    fmt: Callable[[float], str] = field(repr=False, compare=False)
    description: str = ""
    series: str = ""
    vintages: tuple[int, ...] = (2019, 2025)
    levels: tuple[str, ...] = ("lsoa", "ward", "district", "icb")
    #: Snapshot tables the values come from (for the caption and the static-file key).
    tables: tuple[str, ...] = ()
    #: How the national classes are made, for the legend.
    class_method: ClassMethod = "rank_decile"
    #: Legend labels for the ``bands`` method (class -> label).
    class_labels: tuple[tuple[int, str], ...] = ()
    #: For yes/no indicators at LSOA level: (class, label) of "yes" and "no".
    lsoa_flag_labels: tuple[tuple[int, str], ...] = ()
    #: Indicators of one group share a static map file (all their colours and tooltip texts
    #: are baked in, so switching within a group is instant). Groups keep the all-England
    #: file small: the IoD set is one group; health indicators come in groups of a few.
    file_group: str = "iod"
    #: What class 1 and class 10 are, in words ("most deprived", "least deprived").
    class_words: tuple[str, str] = ("most deprived", "least deprived")
    #: Source and vintage in a few words, for tooltips ("" = MHCLG IoD of the geography).
    source_short: str = ""
    version: str = "1"

    def available(self, geo: Geography) -> bool:
        return geo.vintage in self.vintages and geo.level in self.levels

    def is_flag(self, geo: Geography) -> bool:
        return geo.is_lsoa and bool(self.lsoa_flag_labels)

    def method(self, geo: Geography) -> str:
        """How the national classes are made at this geography (for the legend)."""
        if self.is_flag(geo):
            return "flag"
        if self.class_method == "official_decile" and not geo.is_lsoa:
            return "rank_decile"
        return self.class_method

    def format(self, value: float, geo: Geography) -> str:
        if self.is_flag(geo):
            return _fmt_yes_no(value)
        return self.fmt(value)

    @property
    def series_key(self) -> str:
        return self.series or self.id


def _fmt_number(dp: int) -> Callable[[float], str]:
    def fmt(x: float) -> str:
        return "no data" if x is None or pd.isna(x) else f"{x:,.{dp}f}"
    return fmt


def _fmt_pct(dp: int = 1) -> Callable[[float], str]:
    def fmt(x: float) -> str:
        return "no data" if x is None or pd.isna(x) else f"{x * 100:.{dp}f}%"
    return fmt


def _fmt_int(x: float) -> str:
    return "no data" if x is None or pd.isna(x) else f"{int(round(x)):,}"


def _fmt_yes_no(x: float) -> str:
    return "no data" if x is None or pd.isna(x) else ("Yes" if x >= 0.5 else "No")


#: Display precision of each domain score (Income and Employment are proportions).
_DOMAIN_FMT: dict[str, Callable[[float], str]] = {
    "IMD": _fmt_number(1), "Income": _fmt_pct(1), "Employment": _fmt_pct(1),
    "Education": _fmt_number(1), "Health": _fmt_number(2), "Crime": _fmt_number(2),
    "Housing": _fmt_number(1), "Environment": _fmt_number(1),
}
_DOMAIN_UNIT: dict[str, str] = {
    "IMD": "score", "Income": "% of residents income-deprived",
    "Employment": "% of working-age adults employment-deprived",
    "Education": "score", "Health": "score", "Crime": "score", "Housing": "score",
    "Environment": "score",
}
_SHORT: dict[str, str] = {
    "IMD": "IMD", "Income": "Income", "Employment": "Employment", "Education": "Education",
    "Health": "Health and disability", "Crime": "Crime", "Housing": "Housing and services",
    "Environment": "Living environment",
}


#: Geographies whose areas MHCLG summarises: (vintage, level) of explorer.profile's tables.
_OFFICIAL_GEOS: dict[str, tuple[int, str]] = {
    "district19": (2019, "district"), "district25": (2025, "district"), "icb25": (2025, "icb")}


def _official_scores(geo: Geography) -> pd.DataFrame | None:
    """MHCLG's area summaries for the geography (the profile's own table), or None."""
    key = _OFFICIAL_GEOS.get(geo.id)
    return None if key is None else official_summaries(*key)


def is_official(geo: Geography) -> bool:
    """Whether the level's aggregate scores are MHCLG's published average scores."""
    return geo.id in _OFFICIAL_GEOS


@functools.cache
def area_values(geo_id: str) -> pd.DataFrame:
    """IoD values of every English area of a geography (index: area code; read-only).

    Columns: ``population``, ``n_lsoa``, ``<D>_score`` and ``<D>_decile`` for each domain
    (aggregates: MHCLG's published average score where MHCLG summarises the level — districts,
    2024 ICBs — else the population-weighted score; and its decile among the level's areas), and
    ``core20`` (LSOA: 1/0; aggregates: share of residents in Core20 LSOAs).
    """
    geo = GEOGRAPHIES[geo_id]
    lsoa = _lsoa_values(geo.vintage)
    if geo.is_lsoa:
        out = lsoa.copy()
        out["n_lsoa"] = 1.0
        return out
    m = membership(geo_id)
    m = m[member(m["lsoa"], lsoa.index)]
    rows = lsoa.reindex(m["lsoa"].to_numpy())
    rows.index = pd.Index(m["area"].to_numpy(), name="area")
    pop = rows["population"]
    groups = pd.Series(rows.index, index=rows.index)
    scores = weighted_mean(rows[[f"{d}_score" for d in DOMAINS]].reset_index(drop=True),
                           pop.reset_index(drop=True), groups.reset_index(drop=True))
    out = pd.DataFrame(index=scores.index)
    out["population"] = pop.groupby(level=0).sum()
    out["n_lsoa"] = pop.groupby(level=0).size().astype("float64")
    official = _official_scores(geo)
    for d in DOMAINS:
        if official is not None:  # MHCLG's published average score replaces the computed one
            pub = official[f"{d.lower()}_average_score"].astype("float64")
            scores[f"{d}_score"] = pub.reindex(scores.index).fillna(scores[f"{d}_score"])
        out[f"{d}_score"] = scores[f"{d}_score"]
        out[f"{d}_decile"] = national_deciles(out[f"{d}_score"], "low_is_good")
    core_pop = (rows["core20"] * pop).groupby(level=0).sum()
    out["core20"] = core_pop / out["population"].where(out["population"] > 0)
    out.index.name = None
    return out


def _col(column: str) -> Callable[[Geography], pd.Series]:
    return lambda geo: area_values(geo.id)[column]


def _domain_classes(domain: str) -> Callable[[Geography], pd.Series]:
    return lambda geo: area_values(geo.id)[f"{domain}_decile"]


def _core20_classes(geo: Geography) -> pd.Series:
    v = area_values(geo.id)["core20"]
    x = v.to_numpy(dtype="float64", na_value=np.nan)
    if geo.is_lsoa:
        classes = np.where(x >= 0.5, 1.0, 8.0)
    else:  # fixed 10-point bands: 90-100% -> 1 ... 0-<10% -> 10, the same on every extent
        classes = 10.0 - np.minimum(np.trunc(x * 10), 9.0)
    return pd.Series(np.where(np.isnan(x), np.nan, classes), index=v.index, dtype="float64")


def _population_classes(geo: Geography) -> pd.Series:
    return national_deciles(area_values(geo.id)["population"], "no_judgement")


_IOD_TABLES = {2019: ("iod2019_lsoa11",), 2025: ("iod2025_lsoa21", "census2021_age_lsoa21")}


def _iod_indicators() -> list[AreaIndicator]:
    out: list[AreaIndicator] = []
    for d, full in DOMAINS.items():
        short = _SHORT[d]
        name = "IMD" if d == "IMD" else f"{short} domain"
        out.append(AreaIndicator(
            id=f"{d.lower()}_score", label=f"{name} score", group="Deprivation (IoD)",
            unit=_DOMAIN_UNIT[d], polarity="low_is_good", values=_col(f"{d}_score"),
            classes=_domain_classes(d), fmt=_DOMAIN_FMT[d], series=d,
            description=f"{full}: score (higher = more deprived). Districts and 2024 ICBs: "
            "MHCLG's published average score; other areas larger than an LSOA (wards, 2022 "
            "ICBs): population-weighted average of their LSOA scores.",
            tables=("iod2019_lsoa11", "iod2025_lsoa21"), class_method="official_decile"))
        out.append(AreaIndicator(
            id=f"{d.lower()}_decile", label=f"{name} decile", group="Deprivation (IoD)",
            unit="national decile (1 = most deprived 10%)", polarity="high_is_good",
            values=_col(f"{d}_decile"), classes=_domain_classes(d), fmt=_fmt_number(0),
            series=d,
            description=f"{full}: national decile (1 = most deprived 10% of LSOAs in England). "
            "Areas larger than an LSOA: the decile of their average score among all English "
            "areas of the same level.",
            tables=("iod2019_lsoa11", "iod2025_lsoa21"), class_method="official_decile"))
    out.append(AreaIndicator(
        id="core20", label="Core20 (most deprived 20%)", group="Deprivation (IoD)",
        unit="share of residents", polarity="low_is_good", values=_col("core20"),
        classes=_core20_classes, fmt=_fmt_pct(1), series="core20",
        description="Core20: LSOAs in national IMD deciles 1–2. LSOAs: yes or no; larger "
        "areas: the share of residents living in Core20 LSOAs, in fixed 10-point bands.",
        tables=("iod2019_lsoa11", "iod2025_lsoa21"), class_method="bands",
        class_labels=tuple((10 - i, f"{i * 10}–{i * 10 + 10}%") for i in range(9, -1, -1)),
        lsoa_flag_labels=((1, "Core20 (IMD deciles 1–2)"), (8, "Not Core20 (deciles 3–10)"))))
    out.append(AreaIndicator(
        id="population", label="Population", group="Population", unit="residents",
        polarity="no_judgement", values=_col("population"), classes=_population_classes,
        fmt=_fmt_int, series="population", class_words=("largest", "smallest"),
        description="Residents: IoD2019 mid-2015 denominators (File 7); IoD2025 Census 2021 "
        "usual residents. Classes: national deciles of areas of the level (1 = largest).",
        tables=("iod2019_lsoa11", "census2021_age_lsoa21"), class_method="rank_decile"))
    return out


# --------------------------------------------------------------------------------------
# The registry


_REGISTRY: dict[str, AreaIndicator] = {}


def register(indicator: AreaIndicator, *, replace: bool = False) -> None:
    """Add an indicator to the map picker (ids are unique). Indicators that should colour
    and describe areas identically may share a ``series`` key (score and decile do)."""
    _ensure_loaded()
    if indicator.id in _REGISTRY and not replace:
        raise ValueError(f"indicator {indicator.id} is already registered")
    _REGISTRY[indicator.id] = indicator
    signature.cache_clear()


def unregister(indicator_id: str) -> None:
    """Remove an indicator (tests, or a module that withdraws one)."""
    _REGISTRY.pop(indicator_id, None)
    signature.cache_clear()


def _ensure_loaded() -> None:
    if not _REGISTRY:
        for ind in _iod_indicators():
            _REGISTRY[ind.id] = ind
        load_external()


def indicators() -> list[AreaIndicator]:
    """All registered indicators, in picker order."""
    _ensure_loaded()
    return list(_REGISTRY.values())


def get(indicator_id: str) -> AreaIndicator:
    _ensure_loaded()
    return _REGISTRY[indicator_id]


def available(geo: Geography) -> list[AreaIndicator]:
    return [i for i in indicators() if i.available(geo)]


def series_keys(geo: Geography, group: str | None = None) -> list[str]:
    """Distinct series of the indicators available for a geography (in one file group, if
    given), in registry order."""
    return list(dict.fromkeys(i.series_key for i in available(geo)
                              if group is None or i.file_group == group))


def value_label(ind: AreaIndicator, geo: Geography) -> str:
    """The indicator's name at a level, e.g. 'IMD score (population-weighted average)'."""
    if geo.is_lsoa or ind.id == "population":
        return ind.label
    if ind.id.endswith("_score"):
        if is_official(geo):
            return f"{ind.label} (MHCLG average score)"
        return f"{ind.label} (population-weighted average)"
    if ind.id.endswith("_decile"):
        return f"{ind.label} among English {geo.plural}"
    if ind.id == "core20":
        return "Residents in Core20 LSOAs"
    return ind.label


def source_caption(ind: AreaIndicator, geo: Geography) -> str:
    """Source, vintage and licence of the values (and of the boundaries)."""
    names = [t for t in ind.tables if t in snapshot.manifest()["tables"]]
    if geo.vintage == 2019:
        names = [t for t in names if "2025" not in t and "census" not in t] or names
    else:
        names = [t for t in names if "2019" not in t] or names
    parts = [snapshot.caption(t) for t in names]
    if is_official(geo) and ind.id.endswith(("_score", "_decile")):
        parts.append(snapshot.caption(OFFICIAL_LEVELS[_OFFICIAL_GEOS[geo.id]].table))
    parts.append("Boundaries: " + snapshot.caption(geo.boundary_table).removeprefix("Source: "))
    return " ".join(dict.fromkeys(parts))


@functools.cache
def signature(group: str | None = None) -> str:
    """Changes whenever the indicators (of a file group) or their definitions change."""
    text = "|".join(f"{i.id}:{i.series_key}:{i.file_group}:{i.version}:{i.class_method}"
                    for i in indicators() if group is None or i.file_group == group)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------
# Health indicators from LSOA numerators and denominators


def lsoa_ratio_indicator(id: str, label: str, *,
                         counts: Callable[[], tuple[pd.Series, pd.Series]], lsoa_year: int,
                         multiplier: float = 100.0, unit: str = "%",
                         polarity: Polarity = "low_is_good", group: str = "Health",
                         tables: tuple[str, ...] = (), description: str = "", dp: int = 1,
                         file_group: str = "health", source_short: str = "",
                         version: str = "1") -> AreaIndicator:
    """An indicator whose area value is sum(numerator) / sum(denominator) × multiplier.

    ``counts()`` returns (numerator, denominator), both indexed by LSOA code of
    ``lsoa_year`` (2011 → IoD2019 geographies, 2021 → IoD2025); it is called only when the
    indicator is first drawn. Areas with a zero denominator get no value. National classes:
    deciles among all English areas of the level.
    """
    vintage = 2019 if lsoa_year == 2011 else 2025

    @functools.cache
    def _counts() -> tuple[pd.Series, pd.Series]:
        num, den = counts()
        return num.astype("float64"), den.astype("float64")

    @functools.cache
    def _data():  # the place-value engine's LSOA layout (explorer.geography.LsoaData)
        from explorer.geography import lsoa_data

        num, den = _counts()
        return lsoa_data(num, den, lsoa_year)

    @functools.cache
    def _values(geo_id: str) -> pd.Series:
        m = membership(geo_id)
        sums = _data().by_area(m["lsoa"], m["area"], lsoa_year)
        sums = sums[sums["lsoa_count"] > 0]
        d = sums["denominator"]
        return (sums["count"] / d.where(d > 0) * multiplier).rename(id)

    def values(geo: Geography) -> pd.Series:
        return _values(geo.id)

    def classes(geo: Geography) -> pd.Series:
        return national_deciles(_values(geo.id), polarity)

    def fmt(x: float) -> str:
        if x is None or pd.isna(x) or not math.isfinite(x):
            return "no data"
        return f"{x:,.{dp}f}{'%' if unit == '%' else ''}"

    words = ("lowest", "highest") if polarity == "high_is_good" else ("highest", "lowest")
    return AreaIndicator(id=id, label=label, group=group, unit=unit, polarity=polarity,
                         values=values, classes=classes, fmt=fmt, description=description,
                         vintages=(vintage,), tables=tables, class_method="rank_decile",
                         file_group=file_group, class_words=words,
                         source_short=source_short, version=version)


#: Health indicators share a static file in groups of this many (the IoD group has 10 series).
HEALTH_SERIES_PER_FILE = 6


def _health_metas() -> list[dict]:
    """LSOA-based entries of ``data/indicators.yaml`` (the health registry's source file).

    Read here with plain YAML so that listing them in the picker does not import
    ``explorer.indicators`` and its statistics stack (scipy, PHStatsMethods: about 60 MB of
    server memory) before a health indicator is actually drawn.
    """
    import yaml

    from loaders.paths import DATA_DIR

    with (DATA_DIR / "indicators.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    need = ("id", "short_name", "name", "method", "vintage", "multiplier", "unit", "polarity",
            "source")
    out = []
    for m in data.get("indicators", []):
        # IoD2019 counts (tag "deprivation") are mapped by the IoD indicators already
        if isinstance(m, dict) and m.get("method") in ("lsoa", "derived") and \
                "deprivation" not in (m.get("tags") or ()):
            if not all(k in m for k in need):
                raise ValueError(f"indicators.yaml: entry {m.get('id')} lacks {need}")
            out.append(m)
    return out


def load_external() -> list[str]:
    """Register the LSOA-based health indicators of ``explorer.indicators`` (QOF attributed
    to LSOAs, Census 2021 age, rural share): those with a numerator and a denominator per
    LSOA, which sum to any geography. Published-only indicators (districts, MSOAs without
    counts) are not mapped. Values load lazily through ``explorer.indicators``; any failure
    leaves the IoD indicators working. Returns the ids registered.
    """
    try:
        metas = _health_metas()
    except Exception:  # an optional source must never break the map
        return []
    added: list[str] = []
    for n, m in enumerate(metas):
        if m["id"] in _REGISTRY:
            continue
        lsoa_year = 2021 if "LSOA 2021" in str(m["vintage"]) else 2011

        def counts(mid: str = m["id"]) -> tuple[pd.Series, pd.Series]:
            from explorer import indicators as health

            df = health.values(mid)
            period = health.latest_period(mid)
            rows = df[(df["area_type"] == "lsoa") & (df["period"] == period)
                      & (df["sex"] == "Persons")].set_index("area_code")
            return rows["count"], rows["denominator"]

        tables = tuple(t.strip() for t in str(m["source"]).split(";")) + ("indicator_values",)
        text = " ".join(str(m.get(k) or "") for k in ("definition", "caveats")).strip()
        ind = lsoa_ratio_indicator(
            str(m["id"]), str(m["short_name"]), counts=counts, lsoa_year=lsoa_year,
            multiplier=float(m["multiplier"]), unit=str(m["unit"]),
            polarity=str(m["polarity"]),  # type: ignore[arg-type]
            group="Health", tables=tables,
            description=f"{m['name']}. {text} Areas: sum of LSOA numerators over sum of "
            "denominators.",
            file_group=f"health{n // HEALTH_SERIES_PER_FILE + 1}",
            source_short=str(m["vintage"]).split(";")[0].strip())
        _REGISTRY[ind.id] = ind
        added.append(ind.id)
    return added
