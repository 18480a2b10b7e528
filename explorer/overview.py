"""Region overview: Core20 share of every district and town in a region.

Scores and ranks follow the profile's rule, official first: districts (and ICBs in IoD2025)
carry MHCLG's published average score and rank, everything else a score computed from its
LSOAs, and the table and captions say which is which.
"""

from __future__ import annotations

import functools

import pandas as pd

from explorer.places import Place, registry
from explorer.profile import Profile, profile
from loaders import snapshot

#: A place counts as inside a region when this share of its LSOAs is in the region.
INSIDE_SHARE = 0.95
#: Shown where a place has no official rank (towns): never a bare "None".
NO_RANK = "—"
RANK_COLUMN = "District rank"
SOURCE_LABEL = {"official": "official (MHCLG)", "computed": "computed from LSOAs"}


#: District codes of each vintage's LSOA table, kept with the table they came from (a set
#: of 35,000 rows cost 10-20 ms on every Compare and Glance run).
_CODES: dict[str, tuple[object, frozenset[str]]] = {}


def _district_codes(table: str, column: str) -> frozenset[str]:
    frame = snapshot.table(table)
    hit = _CODES.get(table)
    if hit is None or hit[0] is not frame:  # a reloaded snapshot: work them out again
        hit = _CODES[table] = (frame, frozenset(frame[column]))
    return hit[1]


def districts_of_vintage(vintage: int) -> list[Place]:
    """Districts as they were for the IoD vintage (2019: pre-2023 Cumbria; 2025: LAD 2024)."""
    if vintage == 2019:
        codes = _district_codes("geo_lsoa11", "lad19cd")
        kinds = ("district", "former district")
    else:
        codes = _district_codes("geo_lsoa21", "lad24cd")
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
            "district_rank_of": pr.district_rank_of, "imd_score_source": pr.imd_score_source,
            "rank_note": pr.rank_note,
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


def rank_text(rank: float | None, of: float | None) -> str:
    """'4 of 296', or an em dash where the publisher gives no rank (None or NaN)."""
    if rank is None or of is None or pd.isna(rank) or pd.isna(of):
        return NO_RANK
    return f"{int(rank)} of {int(of)}"


def table_twin(table: pd.DataFrame) -> pd.DataFrame:
    """The chart's table twin as shown and exported: official/computed said per row, ranks
    as 'n of N' with an em dash for towns (explained by rank_caption)."""
    return pd.DataFrame({
        "Place": table["name"], "Kind": table["kind"], "Residents": table["population"],
        "Residents in Core20": table["core20_population"],
        "Core20 share": table["core20_share"], "IMD score": table["imd_score"],
        "IMD score source": table["imd_score_source"].map(SOURCE_LABEL),
        RANK_COLUMN: [
            rank_text(r, n) for r, n in zip(table["district_rank"], table["district_rank_of"],
                                            strict=True)],
        "LSOAs": table["lsoa_count"],
    })


def rank_caption(table: pd.DataFrame, vintage: int) -> str:
    """What the score and rank columns are, and why towns have a dash."""
    lad = "LAD 2019" if vintage == 2019 else "LAD 2024"
    parts = [f"IMD score and district rank: for districts, MHCLG's IoD{vintage} File 10 "
             f"average score and rank of average score among all {lad} districts in England"
             + (" (reproduced from File 7 by MHCLG's method)" if vintage == 2019 else "")
             + "."]
    if (table["imd_score_source"] == "computed").any():
        parts.append("Towns: score computed from their LSOAs (population-weighted; MHCLG "
                     f"publishes no town summary). {NO_RANK} = not ranked: MHCLG ranks only "
                     "local authority districts" + (" and ICBs" if vintage == 2025 else "")
                     + ".")
    return " ".join(parts)


def score_caption(prof: Profile, england: Profile) -> str:
    """One sentence under the headline metrics: official (with rank) or computed (with how)."""
    if prof.imd_score is None:
        return "No IMD score: the place holds no LSOA of this vintage."
    if prof.imd_score_source == "official":
        head = (f"IMD average score {prof.imd_score:.3f}: MHCLG's published figure, ranked "
                f"{prof.imd_rank} of {prof.imd_rank_of} {prof.imd_rank_among} "
                "(1 = most deprived).")
    else:
        head = f"IMD score {prof.imd_score:.1f}, {prof.imd_score_method}. {prof.rank_note}."
    eng = england.imd_score
    return head + (f" England {eng:.1f} (computed from all LSOAs)." if eng is not None else "")
