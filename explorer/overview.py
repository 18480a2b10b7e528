"""Region overview: Core20 share of every district and town in a region."""

from __future__ import annotations

import functools

import pandas as pd

from explorer.places import Place, registry
from explorer.profile import Profile, profile
from loaders import snapshot

#: A place counts as inside a region when this share of its LSOAs is in the region.
INSIDE_SHARE = 0.95


def districts_of_vintage(vintage: int) -> list[Place]:
    """Districts as they were for the IoD vintage (2019: pre-2023 Cumbria; 2025: LAD 2024)."""
    if vintage == 2019:
        codes = set(snapshot.table("geo_lsoa11")["lad19cd"])
        kinds = ("district", "former district")
    else:
        codes = set(snapshot.table("geo_lsoa21")["lad24cd"])
        kinds = ("district",)
    return [p for k in kinds for p in registry().all(k) if p.code in codes]


def places_within(region: Place, vintage: int, kinds: tuple[str, ...] = ("district", "town"),
                  ) -> list[Place]:
    inside = set(region.lsoas(vintage))
    candidates: list[Place] = []
    if "district" in kinds:
        candidates += districts_of_vintage(vintage)
    for kind in kinds:
        if kind != "district":
            candidates += registry().all(kind)
    out = []
    for p in candidates:
        codes = p.lsoas(vintage)
        if p.id != region.id and codes and \
                sum(c in inside for c in codes) / len(codes) >= INSIDE_SHARE:
            out.append(p)
    return out


def region_table(region: Place, vintage: int = 2019) -> pd.DataFrame:
    """One row per district and town in the region, most Core20 first."""
    if region.kind != "custom" and region.id in registry():
        return _region_table_cached(region.id, vintage).copy()
    return _region_table(region, vintage)


@functools.lru_cache(maxsize=64)
def _region_table_cached(region_id: str, vintage: int) -> pd.DataFrame:
    return _region_table(registry().get(region_id), vintage)


def _region_table(region: Place, vintage: int) -> pd.DataFrame:
    rows = []
    for p in places_within(region, vintage):
        pr = profile(p, vintage)
        rows.append({
            "id": p.id, "name": p.name, "kind": "town" if p.kind == "town" else "district",
            "label": p.label, "population": pr.population,
            "core20_population": pr.core20_population,
            "core20_share": pr.core20_share, "imd_score": pr.imd_score,
            "lsoa_count": pr.lsoa_count, "district_rank": pr.district_rank,
            "decile1_share": pr.decile_population[0] / pr.population if pr.population else None,
        })
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.sort_values(["core20_share", "name"], ascending=[False, True]).reset_index(
        drop=True)


def headline(region: Place, vintage: int = 2019) -> tuple[Profile, Profile]:
    """The region's profile and England's, for the headline figures."""
    return profile(region, vintage), profile(registry().get("england"), vintage)
