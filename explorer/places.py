"""Places: named sets of LSOAs with a kind, a rule and the vintages they apply to.

Built-in definitions live in ``data/places.yaml``; families (every district, North West ward,
ICB, region, England) are generated from the snapshot lookups. Names resolve
case-insensitively, with aliases, and an unknown name fails with the closest matches.
"""

from __future__ import annotations

import difflib
import functools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import yaml

from explorer.text import quote as plain_quote
from loaders import snapshot
from loaders.paths import PLACES_FILE

Kind = Literal["lsoa", "ward", "town", "district", "former district", "sub-region", "icb",
               "region", "country", "custom"]
KINDS: tuple[str, ...] = ("country", "region", "icb", "sub-region", "district",
                          "former district", "town", "ward", "lsoa", "custom")
#: When two places share a name, the one of the earlier kind wins ("Blackpool" = district).
_KIND_PRIORITY = {k: i for i, k in enumerate(
    ("district", "former district", "sub-region", "icb", "region", "country", "town", "ward",
     "lsoa", "custom"))}

NORTH_WEST = "E12000002"
#: Successor unitary authority -> when its predecessors stopped being districts.
_ABOLISHED = {
    "E06000063": "March 2023", "E06000064": "March 2023", "E06000065": "March 2023",
    "E06000066": "March 2023", "E06000060": "March 2020", "E06000061": "March 2021",
    "E06000062": "March 2021",
}
DEFAULT_REGION = "lsc-north-cumbria"
DEFAULT_COMPARISON = ("workington-parish-wards", "eden", "blackpool")


class UnknownPlaceError(LookupError):
    """A place name that does not resolve; carries the closest matches for the message."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown place '{name}'.{hint}")


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str
    definition: str
    lsoa11: tuple[str, ...] = ()
    lsoa21: tuple[str, ...] = ()
    code: str | None = None
    aliases: tuple[str, ...] = ()
    note: str = ""
    #: ONS 2011 built-up area (sub-division) code, for town-level flags such as coastal.
    bua11: str | None = None
    parents: tuple[str, ...] = field(default=())

    def __hash__(self) -> int:
        # places key the shared caches; the generated hash walked every LSOA code (66,000
        # for England) on every look-up. Equal places still hash equal: a subset of fields.
        return hash((self.id, self.kind, self.code, len(self.lsoa11), len(self.lsoa21)))

    def lsoas(self, vintage: int) -> tuple[str, ...]:
        """LSOA codes for an IoD vintage: 2019 uses LSOA 2011, 2025 uses LSOA 2021."""
        return self.lsoa11 if vintage == 2019 else self.lsoa21

    @property
    def is_england(self) -> bool:
        """England itself: the benchmark every page compares with, drawn without itself."""
        return self.kind == "country" and self.id == "england"

    @property
    def label(self) -> str:
        """Name with the kind, e.g. 'Eden (former district, to March 2023)'."""
        if self.note:
            return f"{self.name} ({self.note})"
        if self.name.endswith(")") or self.kind in ("country", "custom"):
            return self.name
        return f"{self.name} ({self.kind})"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("&", "and").replace("-", " ")).strip()


@dataclass(frozen=True)
class _BestFit2011To2021:
    """The ONS LSOA 2011 → 2021 lookup in integer arrays (a process keeps it for users' own
    places): each 2011 LSOA's 2021 children as slices of one array, and each 2021 LSOA's
    number of 2011 parents. As dicts of tuples it held ~10 MiB of an idle server."""

    position11: dict[str, int]   # LSOA 2011 code -> its number
    offsets: np.ndarray          # children of 2011 LSOA i: children[offsets[i]:offsets[i+1]]
    children: np.ndarray         # numbers of LSOA 2021 codes
    codes21: tuple[str, ...]     # LSOA 2021 codes by number, sorted (interned)
    n_parents: np.ndarray        # per LSOA 2021 number


@functools.cache
def _lsoa_2011_to_2021() -> _BestFit2011To2021:
    lk = snapshot.table("lsoa11_lsoa21")
    i11, u11 = pd.factorize(lk["lsoa11cd"], sort=True)
    i21, u21 = pd.factorize(lk["lsoa21cd"], sort=True)
    order = np.argsort(i11, kind="stable")
    return _BestFit2011To2021(
        position11={sys.intern(c): i for i, c in enumerate(u11.tolist())},
        offsets=np.concatenate(([0], np.cumsum(np.bincount(i11, minlength=len(u11))))),
        children=i21[order].astype(np.int32), codes21=tuple(map(sys.intern, u21.tolist())),
        n_parents=np.bincount(i21, minlength=len(u21)))


def lsoa21_from_lsoa11(lsoa11: Iterable[str]) -> tuple[str, ...]:
    """LSOA 2021 codes whose 2011 parents are at least half inside the given set."""
    fit = _lsoa_2011_to_2021()
    pos = np.fromiter({fit.position11.get(c, -1) for c in lsoa11}, dtype=np.int64)
    pos = pos[pos >= 0]
    starts, lengths = fit.offsets[pos], fit.offsets[pos + 1] - fit.offsets[pos]
    # every child of every given LSOA, by slice arithmetic (no Python loop)
    take = np.arange(lengths.sum()) + np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    kids, counts = np.unique(fit.children[take], return_counts=True)
    # k / n >= 0.5 in integers (2k >= n): the rule as before, without division
    keep = kids[2 * counts >= fit.n_parents[kids]]
    return tuple(fit.codes21[i] for i in keep)  # numbers follow the sorted codes


class PlaceRegistry:
    def __init__(self, places: Iterable[Place]) -> None:
        self._by_id: dict[str, Place] = {}
        for p in places:
            if p.id in self._by_id:
                raise ValueError(f"duplicate place id {p.id}")
            self._by_id[p.id] = p
        self._sorted: tuple[tuple[Place, ...], dict[str, tuple[Place, ...]]] | None = None
        self._labels: dict[str, str] | None = None
        self._by_name: dict[str, list[Place]] = {}
        for p in self._by_id.values():
            for key in {_norm(p.name), _norm(p.id), *(_norm(a) for a in p.aliases),
                        *([_norm(p.code)] if p.code else [])}:
                self._by_name.setdefault(key, []).append(p)
        for lst in self._by_name.values():
            lst.sort(key=lambda p: _KIND_PRIORITY.get(p.kind, 99))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, place_id: str) -> bool:
        return place_id in self._by_id

    def get(self, place_id: str) -> Place:
        return self._by_id[place_id]

    def label(self, place_id: str) -> str | None:
        """A place's :attr:`Place.label` (None if unknown), worked out once: every place
        picker formats all 1,254 options on every run."""
        if self._labels is None:
            self._labels = {i: p.label for i, p in self._by_id.items()}
        return self._labels.get(place_id)

    def all(self, kind: str | None = None) -> list[Place]:
        """Places (of one kind), in kind then name order: sorted once, as every page's place
        list asks for them on every run (a new list each call: callers may change it)."""
        if self._sorted is None:
            order = sorted(self._by_id.values(), key=lambda p: (
                KINDS.index(p.kind) if p.kind in KINDS else 99, p.name))
            by_kind: dict[str, list[Place]] = {}
            for p in order:
                by_kind.setdefault(p.kind, []).append(p)
            self._sorted = (tuple(order), {k: tuple(v) for k, v in by_kind.items()})
        return list(self._sorted[0] if kind is None else self._sorted[1].get(kind, ()))

    def resolve(self, name: str) -> Place:
        """An id, code, name or alias, case-insensitively; else UnknownPlaceError."""
        if name in self._by_id:
            return self._by_id[name]
        hits = self._by_name.get(_norm(name))
        if hits:
            return hits[0]
        stripped = re.sub(r"\b(district|council|borough|city of)\b", "", _norm(name)).strip()
        hits = self._by_name.get(_norm(stripped))
        if hits:
            return hits[0]
        raise UnknownPlaceError(name, self.suggest(name))

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Names close to ``name``: places whose name starts with it first ("working" ->
        both Workingtons), then spelling neighbours ("blakpool" -> Blackpool)."""
        q = _norm(name)
        prefixed = sorted(k for k in self._by_name if len(q) >= 3 and k.startswith(q))
        keys = prefixed + difflib.get_close_matches(q, list(self._by_name), n=n, cutoff=0.6)
        out: list[str] = []
        for k in keys:
            label = self._by_name[k][0].name
            if label not in out:
                out.append(label)
        return out[:n]

    def read_link(self, values: Iterable[str], known: Iterable[str], what: str = "place",
                  ) -> tuple[list[str], list[str]]:
        """Places named in a link -> (their ids, in order and once each; a problem per
        value that names none of ``known``).

        A link may name a place by id, ONS code, name or alias, in any case
        (``?p=Blackpool,E07000030``: what a person types); ids come back, so the page
        writes the canonical link. ``known`` is what the page offers (its kinds plus the
        session's custom places)."""
        allowed = set(known)
        ids: list[str] = []
        problems: list[str] = []
        for value in values:
            text = str(value).strip()
            hit = text if text in allowed else None
            if hit is None:
                try:
                    found = self.resolve(text).id
                    hit = found if found in allowed else None
                except UnknownPlaceError:
                    hit = None
            if hit is None:
                hints = self.suggest(text, 3)
                tip = f" (did you mean {', '.join(hints)}?)" if hints else ""
                problems.append(f"unknown {what} {plain_quote(text)}{tip}")
            elif hit not in ids:
                ids.append(hit)
        return ids, problems

    def search(self, text: str, limit: int = 20) -> list[Place]:
        t = _norm(text)
        hits = [p for p in self._by_id.values() if t in _norm(p.name)]
        return sorted(hits, key=lambda p: (_KIND_PRIORITY.get(p.kind, 99), p.name))[:limit]


# --------------------------------------------------------------------------------------
# Building the registry from the snapshot and places.yaml


def _sorted(codes: Iterable[str]) -> tuple[str, ...]:
    """Sorted unique codes. Each code is one shared string object (``sys.intern``): an LSOA
    belongs to a ward, a district, an ICB, a region, England and sub-regions, and 1,254
    places otherwise hold ~280,000 separate copies of ~66,000 codes."""
    if isinstance(codes, pd.Series):
        codes = codes.tolist()  # iterating an Arrow-backed Series item by item is slow
    return tuple(sorted(set(map(sys.intern, codes))))


def _groups(df: pd.DataFrame, key: str | list[str], value: str) -> dict:
    """{key: tuple of values}, built from plain lists (much faster than groupby-apply)."""
    keys = (list(zip(*(df[k].tolist() for k in key), strict=True)) if isinstance(key, list)
            else df[key].tolist())
    out: dict = {}
    for k, v in zip(keys, df[value].tolist(), strict=True):
        out.setdefault(k, []).append(v)
    return {k: tuple(v) for k, v in out.items()}


def _districts() -> list[Place]:
    g11 = snapshot.table("geo_lsoa11")
    g21 = snapshot.table("geo_lsoa21")
    d = snapshot.table("districts")
    by19 = _groups(g11, "lad19cd", "lsoa11cd")
    by24_11 = _groups(g11, "lad24cd", "lsoa11cd")
    by24 = _groups(g21, "lad24cd", "lsoa21cd")
    by22 = _groups(g21, "lad22cd", "lsoa21cd")
    names24 = g21.drop_duplicates("lad24cd").set_index("lad24cd")["lad24nm"].to_dict()
    places: list[Place] = []
    seen: set[str] = set()
    for r in d.itertuples():
        former = r.lad24cd != r.lad19cd
        if r.lad19cd not in by19:
            continue
        note = f"former district, to {_ABOLISHED.get(r.lad24cd, 'its abolition')}" if former \
            else ""
        lsoa11 = _sorted(by19[r.lad19cd])
        # a district that still exists takes its LAD 2024 LSOAs (e.g. Cherwell gained
        # E01027305 from West Northamptonshire in 2024); a former one its LAD 2022 set, or,
        # if abolished before 2022 (Buckinghamshire, Northamptonshire), the LSOAs 2021 of its
        # LSOAs 2011 through the ONS lookup
        lsoa21 = by24.get(r.lad19cd, ()) if not former else by22.get(r.lad19cd, ())
        approx = former and not lsoa21
        if approx:
            lsoa21 = lsoa21_from_lsoa11(lsoa11)
        places.append(Place(
            id=slug(r.lad19nm), name=r.lad19nm, kind="former district" if former else "district",
            code=r.lad19cd, lsoa11=lsoa11, lsoa21=_sorted(lsoa21),
            definition=(f"{'Former l' if former else 'L'}ocal authority district {r.lad19cd} "
                        f"(2019 boundaries); LSOAs by ONS best fit"
                        + (f"; merged into {r.lad24nm} ({r.lad24cd})" if former else "")
                        + ("; LSOA 2021 approximated through the ONS 2011→2021 lookup"
                           if approx else "")),
            aliases=(f"{r.lad19nm} District", f"{r.lad19nm} Borough", r.lad19cd),
            note=note, parents=(r.rgncd,) if isinstance(r.rgncd, str) else ()))
        seen.add(r.lad19cd)
    for code, name in sorted(names24.items()):
        if code in seen:
            continue
        places.append(Place(
            id=slug(name), name=name, kind="district", code=code,
            lsoa11=_sorted(by24_11.get(code, ())), lsoa21=_sorted(by24[code]),
            definition=f"Local authority district {code} (May 2024 boundaries); LSOAs by ONS "
            "best fit", aliases=(f"{name} Council", code), note="district from April 2023"
            if code in ("E06000063", "E06000064", "E06000065", "E06000066") else ""))
    return places


def _wards(region: str) -> list[Place]:
    g11 = snapshot.table("geo_lsoa11")
    g11 = g11[g11["rgn19cd"] == region]
    out = []
    for (code, name, lad), grp in g11.groupby(["wd19cd", "wd19nm", "lad19nm"]):
        lsoa11 = _sorted(grp["lsoa11cd"])
        out.append(Place(
            id=f"ward-{code.lower()}", name=f"{name}, {lad}", kind="ward", code=code,
            lsoa11=lsoa11, lsoa21=lsoa21_from_lsoa11(lsoa11),
            definition=f"Electoral ward {code} (December 2019) in {lad}; LSOA 2011 by ONS best "
            "fit; LSOA 2021 approximated through the 2011→2021 lookup",
            aliases=(f"{name} ward ({lad})",)))
    return out


def _icbs() -> list[Place]:
    g11 = snapshot.table("geo_lsoa11")
    g21 = snapshot.table("geo_lsoa21")
    by22 = _groups(g11, ["icb22cd", "icb22nm"], "lsoa11cd")
    by24 = _groups(g21, "icb24cd", "lsoa21cd")
    # two ICBs took new codes in April 2024 (Surrey Heartlands, Sussex)
    code24 = snapshot.table("icb22_icb24").set_index("icb22cd")["icb24cd"].to_dict()
    out = []
    for (code, name), lsoas in sorted(by22.items()):
        short = re.sub(r"^NHS |Integrated Care Board$", "", name).strip()
        c24 = code24.get(code, code)
        out.append(Place(
            id=f"icb-{slug(short)}", name=f"{short} ICB", kind="icb", code=code,
            lsoa11=_sorted(lsoas), lsoa21=_sorted(by24.get(c24, ())),
            definition=f"Integrated Care Board {code}: LSOA 2011 by the July 2022 lookup, "
            "LSOA 2021 by the April 2024 lookup"
            + (f" (as {c24}, its April 2024 code)" if c24 != code else ""),
            aliases=(name, short, f"{short} ICS", *((c24,) if c24 != code else ()))))
    return out


def _regions() -> list[Place]:
    g11 = snapshot.table("geo_lsoa11")
    g21 = snapshot.table("geo_lsoa21")
    by21 = _groups(g21, "rgncd", "lsoa21cd")
    out = []
    for (code, name), lsoas in sorted(_groups(g11, ["rgn19cd", "rgn19nm"], "lsoa11cd")
                                      .items()):
        out.append(Place(id=slug(name), name=name, kind="region", code=code,
                         lsoa11=_sorted(lsoas), lsoa21=_sorted(by21.get(code, ())),
                         definition=f"Region {code}", aliases=(f"{name} region",)))
    return out


def _england() -> Place:
    return Place(id="england", name="England", kind="country", code="E92000001",
                 lsoa11=_sorted(snapshot.table("geo_lsoa11")["lsoa11cd"]),
                 lsoa21=_sorted(snapshot.table("geo_lsoa21")["lsoa21cd"]),
                 definition="All 32,844 LSOAs (2011) / 33,755 LSOAs (2021) in England",
                 aliases=("E92000001", "national"))


def _curated(spec: dict, known: dict[str, Place]) -> Place:
    g11 = snapshot.table("geo_lsoa11")
    g21 = snapshot.table("geo_lsoa21")
    lsoa21: tuple[str, ...] | None = None
    bua = spec.get("bua11_for_flags")
    if "districts19" in spec:
        codes = spec["districts19"]
        lsoa11 = g11.loc[g11["lad19cd"].isin(codes), "lsoa11cd"]
        lsoa21 = _sorted(g21.loc[g21["lad22cd"].isin(codes), "lsoa21cd"])
        names = [known[slug_by_code(known, c)].name for c in codes]
        rule = f"Districts (2019): {', '.join(names)}"
    elif "wards19" in spec:
        lsoa11 = g11.loc[g11["wd19cd"].isin(spec["wards19"]), "lsoa11cd"]
        names = sorted(g11.loc[g11["wd19cd"].isin(spec["wards19"]), "wd19nm"].unique())
        rule = f"Wards (December 2019): {', '.join(names)}"
    elif "bua11" in spec or "buasd11" in spec:
        col, code = ("bua11cd", spec["bua11"]) if "bua11" in spec \
            else ("buasd11cd", spec["buasd11"])
        bua = spec.get("bua11_for_flags") or code
        m = snapshot.table("msoa11_bua11")
        msoas = m.loc[m[col] == code]
        lsoa11 = g11.loc[g11["msoa11cd"].isin(msoas["msoa11cd"]), "lsoa11cd"]
        label = msoas[col.replace("cd", "nm")].iloc[0] if len(msoas) else code
        rule = (f"ONS 2011 built-up area{' sub-division' if col == 'buasd11cd' else ''} "
                f"{label} ({code}) through its MSOA best fit: "
                f"{', '.join(sorted(g11.loc[g11['msoa11cd'].isin(msoas['msoa11cd']), 'msoa11hclnm'].unique()))}")  # noqa: E501
    elif "msoa_names" in spec:
        lsoa11 = g11.loc[g11["msoa11hclnm"].isin(spec["msoa_names"]), "lsoa11cd"]
        rule = f"MSOAs (House of Commons Library names): {', '.join(spec['msoa_names'])}"
    elif "union" in spec:
        parts = [known[p] for p in spec["union"]]
        lsoa11 = pd.Series([c for p in parts for c in p.lsoa11])
        lsoa21 = _sorted(c for p in parts for c in p.lsoa21)
        rule = f"Union of {', '.join(p.name for p in parts)}"
    else:
        raise ValueError(f"place {spec.get('id')}: no rule")
    lsoa11_t = _sorted(lsoa11)
    if not lsoa11_t:
        raise ValueError(f"place {spec['id']}: its rule selects no LSOA")
    if lsoa21 is None:
        lsoa21 = lsoa21_from_lsoa11(lsoa11_t)
        rule += "; LSOA 2021 approximated through the ONS 2011→2021 lookup"
    note = " ".join(str(spec.get("note", "")).split())
    return Place(id=spec["id"], name=spec["name"], kind=spec["kind"],
                 definition=rule + (f". {note}" if note else ""), lsoa11=lsoa11_t,
                 lsoa21=lsoa21, aliases=tuple(spec.get("aliases", ())), bua11=bua)


def slug_by_code(known: dict[str, Place], code: str) -> str:
    for p in known.values():
        if p.code == code and p.kind in ("district", "former district"):
            return p.id
    raise ValueError(f"unknown district code {code} in places.yaml")


def load_spec() -> dict:
    with PLACES_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@functools.cache
def registry() -> PlaceRegistry:
    """Every built-in place; built once per process from the snapshot and places.yaml."""
    spec = load_spec()
    known: dict[str, Place] = {}
    for fam in spec.get("generated", []):
        name, opts = (fam, {}) if isinstance(fam, str) else next(iter(fam.items()))
        if name == "districts-2019":
            items = [p for p in _districts()]
        elif name == "districts-2024":
            items = []  # produced together with 2019 by _districts()
        elif name == "wards-2019":
            items = _wards(opts.get("region", NORTH_WEST))
        elif name == "icbs":
            items = _icbs()
        elif name == "regions":
            items = _regions()
        elif name == "england":
            items = [_england()]
        else:
            raise ValueError(f"places.yaml: unknown generated family {name}")
        for p in items:
            if p.id in known:  # e.g. a region and a district with one name
                p = Place(**{**p.__dict__, "id": f"{p.id}-{p.kind.replace(' ', '-')}"})
            known[p.id] = p
    for item in spec.get("places", []):
        p = _curated(item, known)
        known[p.id] = p
    return PlaceRegistry(known.values())


def custom_place(name: str, members: list[Place]) -> Place:
    """A user's own place: the union of built-in places, kept in their session only."""
    return Place(id="custom-" + slug(name), name=name, kind="custom",
                 definition="Union of " + ", ".join(m.name for m in members),
                 lsoa11=_sorted(c for m in members for c in m.lsoa11),
                 lsoa21=_sorted(c for m in members for c in m.lsoa21))
