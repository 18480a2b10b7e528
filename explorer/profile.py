"""The place profile: one function used by the pages and the CLI.

Official first: where MHCLG publishes a summary for the very area (IoD2025 File 10 for the 296
LAD 2024 districts, File 13 for the 42 ICBs; IoD2019 File 10 for the 317 LAD 2019 districts),
the average scores and ranks are the published ones and the profile says "official". Only
areas nobody summarises (towns, wards, sub-regions, regions, England, former districts in
IoD2025, custom places) get a computed score, labelled "computed" with its method: the mean of
LSOA scores weighted by the IoD population denominators (IoD2019: mid-2015 File 7 totals;
IoD2025 denominators are not in the data, so Census 2021 usual residents, which MHCLG did
not use).
"""

from __future__ import annotations

import functools
import sys
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from explorer.places import Place, registry
from loaders import snapshot
from loaders.deprivation import DOMAINS

ScoreSource = Literal["official", "computed"]

Vintage = Literal[2019, 2025]
VINTAGES: tuple[int, ...] = (2019, 2025)

CORE20_DEFINITION = (
    "Core20: residents of LSOAs in the most deprived 20% nationally "
    "(national IMD deciles 1–2)"
)


@dataclass(frozen=True)
class VintageInfo:
    vintage: int
    lsoa_table: str
    code_col: str
    lsoa_year: int
    population_source: str
    population_table: str


VINTAGE_INFO: dict[int, VintageInfo] = {
    2019: VintageInfo(2019, "iod2019_lsoa11", "lsoa11cd", 2011,
                      "mid-2015 population denominators (IoD2019 File 7)", "iod2019_lsoa11"),
    2025: VintageInfo(2025, "iod2025_lsoa21", "lsoa21cd", 2021,
                      "Census 2021 usual residents (IoD2025 denominators not available)",
                      "census2021_age_lsoa21"),
}


@functools.cache
def lsoa_frame(vintage: int) -> pd.DataFrame:
    """One row per LSOA of the vintage: scores, ranks, deciles and population, indexed by code."""
    info = VINTAGE_INFO[vintage]
    df = snapshot.table(info.lsoa_table)
    if vintage == 2025:
        pop = snapshot.table("census2021_age_lsoa21")[["lsoa21cd", "pop_total", "pop_65_plus"]]
        df = df.merge(pop, on="lsoa21cd", how="left", validate="one_to_one")
    return df.set_index(info.code_col)


@dataclass(frozen=True)
class LsoaArrays:
    """Columns of the LSOA frame as numpy arrays, with a code -> row position map, so a
    place's figures are gathers over positions rather than pandas label lookups."""

    position: dict[str, int]
    columns: dict[str, np.ndarray]

    def take(self, codes: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
        pos = [self.position.get(c, -1) for c in codes]
        missing = [c for c, p in zip(codes, pos, strict=True) if p < 0]
        return np.fromiter((p for p in pos if p >= 0), dtype=np.int64), missing


@functools.cache
def lsoa_arrays(vintage: int) -> LsoaArrays:
    df = lsoa_frame(vintage)
    cols = {c: df[c].to_numpy(dtype=float, na_value=np.nan) for c in df.columns
            if c.endswith(("_score", "_decile", "_num")) or c.startswith("pop_")}
    # interned: the keys are the place registry's own code strings, not another copy
    return LsoaArrays({sys.intern(c): i for i, c in enumerate(df.index.tolist())}, cols)


@functools.lru_cache(maxsize=4096)
def _positions(codes: tuple[str, ...], vintage: int) -> tuple[np.ndarray, tuple[str, ...]]:
    pos, missing = lsoa_arrays(vintage).take(codes)
    return pos, tuple(sorted(missing))


def positions(codes: tuple[str, ...], vintage: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Row positions of LSOA codes in the vintage's arrays, and the codes not found."""
    return _positions(tuple(codes), vintage)


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    kind: str
    vintage: int
    definition: str
    population: int
    lsoa_count: int
    imd_score: float | None
    core20_population: int
    core20_share: float | None
    decile_population: list[int]
    decile_lsoa_count: list[int]
    domain_scores: dict[str, float | None]
    district_rank: int | None
    district_rank_of: int | None
    population_source: str
    core20_definition: str = CORE20_DEFINITION
    source: str = ""
    missing_lsoas: list[str] = field(default_factory=list)
    #: The place's ONS code (None for towns, sub-regions and custom places).
    code: str | None = None
    #: "official": imd_score and domain_scores are MHCLG's published average scores for this
    #: very area; "computed": population-weighted here from the place's LSOAs.
    imd_score_source: ScoreSource = "computed"
    imd_score_method: str = ""
    domain_scores_source: ScoreSource = "computed"
    #: MHCLG's rank of average score (1 = most deprived) among imd_rank_among; only official.
    imd_rank: int | None = None
    imd_rank_of: int | None = None
    imd_rank_among: str | None = None
    #: Why there is no official rank (towns, wards, regions ...), for the em dash on screen.
    rank_note: str = ""
    #: The publisher's area code the official figures belong to (an ICB's 2024 code).
    official_area_code: str | None = None
    #: Further published IMD measures: average rank, share of LSOAs in the most deprived 10%,
    #: extent, local concentration, each with its rank (None where not published/reproduced).
    official_summary: dict[str, float | int | None] | None = None
    summary_source: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _weighted_arr(values: np.ndarray, weights: np.ndarray) -> float | None:
    ok = ~(np.isnan(values) | np.isnan(weights))
    if weights[ok].sum() <= 0:
        return None
    return float(np.average(values[ok], weights=weights[ok]))


@dataclass(frozen=True)
class OfficialLevel:
    """One family of areas MHCLG summarises for a vintage."""

    level: str            # "district" or "icb"
    table: str            # snapshot table of the summaries
    code_col: str
    geo_table: str        # LSOA lookup that defines the areas' membership
    geo_col: str
    among: str            # what the rank is out of, for captions
    file: str             # the publisher's file name


OFFICIAL_LEVELS: dict[tuple[int, str], OfficialLevel] = {
    (2019, "district"): OfficialLevel("district", "iod2019_lad19", "lad19cd", "geo_lsoa11",
                                      "lad19cd", "local authority districts (LAD 2019)",
                                      "IoD2019 File 10"),
    (2025, "district"): OfficialLevel("district", "iod2025_lad24", "ltla24_code", "geo_lsoa21",
                                      "lad24cd", "local authority districts (LAD 2024)",
                                      "IoD2025 File 10"),
    (2025, "icb"): OfficialLevel("icb", "iod2025_icb24", "icb24_code", "geo_lsoa21",
                                 "icb24cd", "Integrated Care Boards (2024)", "IoD2025 File 13"),
}
#: Measures of official_summary besides the average scores (snapshot column names).
SUMMARY_MEASURES: tuple[str, ...] = (
    "imd_average_rank", "imd_rank_of_average_rank", "imd_prop_lsoas_most_deprived_10",
    "imd_rank_of_prop_lsoas_most_deprived_10", "imd_extent", "imd_rank_of_extent",
    "imd_local_concentration", "imd_rank_of_local_concentration")


@functools.cache
def official_summaries(vintage: int, level: str) -> pd.DataFrame | None:
    """MHCLG's area summaries for a vintage and level, indexed by area code (None if MHCLG
    publishes none, e.g. ICBs in IoD2019, which predates them)."""
    lv = OFFICIAL_LEVELS.get((vintage, level))
    if lv is None:
        return None
    return snapshot.table(lv.table).set_index(lv.code_col)


@functools.cache
def _official_members(vintage: int, level: str) -> dict[str, tuple[str, ...]]:
    lv = OFFICIAL_LEVELS[(vintage, level)]
    g = snapshot.table(lv.geo_table)
    code = VINTAGE_INFO[vintage].code_col
    out: dict[str, list[str]] = {}
    for area, lsoa in zip(g[lv.geo_col].tolist(), g[code].tolist(), strict=True):
        out.setdefault(area, []).append(lsoa)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.cache
def _icb_2024_codes() -> dict[str, str]:
    return snapshot.table("icb22_icb24").set_index("icb22cd")["icb24cd"].to_dict()


def official_area(place: Place, vintage: int) -> tuple[OfficialLevel, str] | None:
    """The published area whose summary is this place's own figure, if there is one: the
    place must be of a summarised kind and hold exactly the area's LSOAs."""
    if place.kind in ("district", "former district"):
        level, code = "district", place.code
    elif place.kind == "icb":
        level, code = "icb", _icb_2024_codes().get(place.code or "", place.code)
    else:
        return None
    lv = OFFICIAL_LEVELS.get((vintage, level))
    if lv is None or not code:
        return None
    table = official_summaries(vintage, level)
    if table is None or code not in table.index:
        return None
    if _official_members(vintage, level).get(code) != tuple(sorted(place.lsoas(vintage))):
        return None
    return lv, code


@functools.cache
def district_scores(vintage: int) -> pd.DataFrame:
    """MHCLG's average IMD score and rank of average score (1 = most deprived) for every
    district of the vintage (LAD 2019: 317; LAD 2024: 296), indexed by code."""
    t = official_summaries(vintage, "district")
    assert t is not None
    out = pd.DataFrame({"score": t["imd_average_score"],
                        "rank": t["imd_rank_of_average_score"].astype(int)})
    out.index.name = "code"
    return out


def _clean_num(x: object) -> float | int | None:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return None if np.isnan(x) else float(x)
    return x  # type: ignore[return-value]


def _rank_note(place: Place, vintage: int) -> str:
    if place.kind == "former district":
        return (f"Not ranked in IoD{vintage}: the district no longer existed; MHCLG ranks the "
                "LAD 2024 districts")
    if place.kind == "icb":
        return "Not ranked: IoD2019 predates ICBs (MHCLG ranks ICBs from IoD2025)"
    if place.kind == "district" and vintage == 2019:
        return ("Not ranked in IoD2019: the district was created after 2019; MHCLG ranked "
                "the LAD 2019 districts it replaced")
    if place.kind == "district":
        return "Not ranked: this district is not one of the publisher's summarised areas"
    plural = {"town": "Towns", "ward": "Wards", "sub-region": "Sub-regions",
              "region": "Regions", "country": "England", "custom": "Custom places"}
    who = plural.get(place.kind, "These places")
    return (f"{who} {'is' if who == 'England' else 'are'} not ranked: MHCLG ranks local "
            "authority districts" + (" and ICBs" if vintage == 2025 else ""))


def profile(place: Place | str, vintage: int = 2019) -> Profile:
    """Deprivation profile of a place for an IoD vintage (2019 or 2025); one per place and
    vintage, shared by every session and read-only (the Compare page asks for the 39 North
    West districts' on every run)."""
    if vintage not in VINTAGE_INFO:
        raise ValueError(f"Unknown IoD vintage {vintage}; use 2019 or 2025")
    if isinstance(place, str):
        place = registry().resolve(place)
    return _profile(place, vintage)


@functools.lru_cache(maxsize=2048)
def _profile(place: Place, vintage: int) -> Profile:
    info = VINTAGE_INFO[vintage]
    arrays = lsoa_arrays(vintage)
    pos, missing = positions(place.lsoas(vintage), vintage)
    pop = arrays.columns["pop_total"][pos]
    dec = arrays.columns["IMD_decile"][pos].astype(int)
    dec_pop = np.bincount(dec, weights=pop, minlength=11)[1:11]
    dec_n = np.bincount(dec, minlength=11)[1:11]
    total = int(pop.sum())
    core20 = int(dec_pop[:2].sum())
    domains = {d: _weighted_arr(arrays.columns[f"{d}_score"][pos], pop) for d in DOMAINS}
    official = official_area(place, vintage)
    rank = rank_of = imd_rank = imd_rank_of = None
    among = area_code = summary = None
    summary_source = ""
    if official is not None:
        lv, area_code = official
        t = official_summaries(vintage, lv.level)
        assert t is not None
        row = t.loc[area_code]
        domains = {d: _clean_num(row[f"{d.lower()}_average_score"]) for d in DOMAINS}
        imd_rank, imd_rank_of, among = int(row["imd_rank_of_average_score"]), len(t), lv.among
        summary = {m: _clean_num(row[m]) for m in SUMMARY_MEASURES}
        summary_source = snapshot.caption(lv.table)
        how = ("as published" if vintage == 2025 else "by MHCLG's File 10 method "
               "(File 7 LSOA scores weighted by the mid-2015 denominators; the File 10 "
               "workbook itself is not in the data folder)")
        method = (f"MHCLG {lv.file} average score for {area_code}, {how}; "
                  f"rank {imd_rank} of {imd_rank_of} {among}")
        if lv.level == "district":
            rank, rank_of = imd_rank, imd_rank_of
    elif place.kind == "lsoa" and len(pos) == 1 and not missing:
        # a single LSOA's own score is File 7's, as published
        imd_rank = int(lsoa_frame(vintage)["IMD_rank"].iloc[int(pos[0])])
        imd_rank_of, among = len(arrays.position), f"LSOAs ({info.lsoa_year})"
        method = (f"MHCLG IoD{vintage} File 7 score of LSOA {place.lsoas(vintage)[0]}, as "
                  f"published; rank {imd_rank:,} of {imd_rank_of:,} {among}")
    else:
        weights = ("mid-2015 population denominators (IoD2019 File 7), as MHCLG weights"
                   if vintage == 2019 else "Census 2021 usual residents (MHCLG's own IoD2025 "
                   "denominators are not in the data)")
        method = (f"computed from {len(pos):,} LSOAs: mean of LSOA scores weighted by "
                  f"{weights}; MHCLG publishes no summary for this area")
    source_kind: ScoreSource = "official" if official is not None or imd_rank else "computed"
    return Profile(
        id=place.id, name=place.name, kind=place.kind, vintage=vintage,
        definition=place.definition, population=total, lsoa_count=len(pos),
        imd_score=domains["IMD"], core20_population=core20,
        core20_share=(core20 / total) if total else None,
        decile_population=[round(x) for x in dec_pop.tolist()],
        decile_lsoa_count=[int(x) for x in dec_n.tolist()],
        domain_scores=domains, district_rank=rank, district_rank_of=rank_of,
        population_source=info.population_source,
        source=snapshot.caption(info.lsoa_table), missing_lsoas=list(missing),
        code=place.code, imd_score_source=source_kind, imd_score_method=method,
        domain_scores_source=source_kind, imd_rank=imd_rank, imd_rank_of=imd_rank_of,
        imd_rank_among=among, rank_note="" if imd_rank else _rank_note(place, vintage),
        official_area_code=area_code, official_summary=summary,
        summary_source=summary_source,
    )
