"""The place profile: one function used by the pages and the CLI.

Population-weighted scores follow MHCLG's local-authority "average score": the mean of LSOA
scores weighted by the IoD population denominators (IoD2019: mid-2015 File 7 totals). IoD2025
denominators were not available, so IoD2025 profiles weight by Census 2021 usual residents
and say so.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from explorer.places import Place, registry
from loaders import snapshot
from loaders.deprivation import DOMAINS

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
    return LsoaArrays({c: i for i, c in enumerate(df.index)}, cols)


@functools.lru_cache(maxsize=4096)
def _positions(codes: tuple[str, ...], vintage: int) -> tuple[np.ndarray, tuple[str, ...]]:
    pos, missing = lsoa_arrays(vintage).take(codes)
    return pos, tuple(sorted(missing))


def positions(codes: tuple[str, ...], vintage: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Row positions of LSOA codes in the vintage's arrays, and the codes not found."""
    return _positions(tuple(codes), vintage)


@dataclass
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

    def to_dict(self) -> dict:
        return asdict(self)


def _weighted_arr(values: np.ndarray, weights: np.ndarray) -> float | None:
    ok = ~(np.isnan(values) | np.isnan(weights))
    if weights[ok].sum() <= 0:
        return None
    return float(np.average(values[ok], weights=weights[ok]))


@functools.cache
def district_scores(vintage: int) -> pd.DataFrame:
    """Population-weighted IMD score and rank (1 = most deprived) for every district."""
    if vintage == 2025:
        lad = snapshot.table("iod2025_lad24")
        return pd.DataFrame({
            "code": lad["ltla24_code"], "score": lad["imd_average_score"],
            "rank": lad["imd_rank_of_average_score"].astype(int)}).set_index("code")
    df = lsoa_frame(2019)
    geo = snapshot.table("geo_lsoa11").set_index("lsoa11cd")["lad19cd"]
    tmp = pd.DataFrame({"lad": geo, "s": df["IMD_score"] * df["pop_total"],
                        "p": df["pop_total"]})
    agg = tmp.groupby("lad").sum()
    out = pd.DataFrame({"score": agg["s"] / agg["p"]})
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    out.index.name = "code"
    return out


def profile(place: Place | str, vintage: int = 2019) -> Profile:
    """Deprivation profile of a place for an IoD vintage (2019 or 2025)."""
    if vintage not in VINTAGE_INFO:
        raise ValueError(f"Unknown IoD vintage {vintage}; use 2019 or 2025")
    if isinstance(place, str):
        place = registry().resolve(place)
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
    rank = rank_of = None
    if place.kind in ("district", "former district") and place.code:
        ds = district_scores(vintage)
        if place.code in ds.index:
            rank = int(ds.loc[place.code, "rank"])
            rank_of = len(ds)
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
    )
