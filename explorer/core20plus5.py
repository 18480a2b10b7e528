"""The CORE20PLUS5 card and the Marmot view for a place, both built from the registry.

CORE20PLUS5 (NHS England): the most deprived 20% of the population (Core20), locally chosen
PLUS groups, and five clinical areas. Which indicators serve which area, and each area's
title, ask and data gaps, are tags in ``data/indicators.yaml`` (``core20plus5`` and
``core20plus5_areas``); the Marmot view groups the entries by ``marmot_principle``. Every
value is a :class:`explorer.values.PlaceValue` from the same engine as the compare page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer import indicators
from explorer.compare import health_indicator_rows
from explorer.places import Place
from explorer.profile import Profile, profile
from explorer.values import PlaceValue

CLINICAL_KEYS: tuple[str, ...] = ("maternity", "smi", "respiratory", "cancer", "hypertension")


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    ask: str
    indicator_ids: tuple[str, ...]
    gap_note: str = ""


def area(key: str) -> Area:
    """One CORE20PLUS5 area with the ids of its indicators (registry order)."""
    reg = indicators.registry()
    spec = reg.areas[key]
    return Area(key, spec.title, spec.ask, tuple(m.id for m in reg.core20plus5(key)), spec.gap)


def clinical_areas() -> tuple[Area, ...]:
    return tuple(area(k) for k in CLINICAL_KEYS)


@dataclass
class Card:
    place: Place
    core20: Profile
    core20_2025: Profile | None
    coastal: str | None
    plus: list[PlaceValue]
    areas: list[tuple[Area, list[PlaceValue]]] = field(default_factory=list)
    core20_rows: list[PlaceValue] = field(default_factory=list)

    @property
    def rows(self) -> list[PlaceValue]:
        """Every record on the card, once (Core20, PLUS, then the clinical areas)."""
        return [*self.core20_rows, *self.plus, *[r for _, rows in self.areas for r in rows]]


def card(place: Place, confidence: float = 0.95, prefer: str = "own") -> Card:
    core, plus, clinical = area("core20"), area("plus"), clinical_areas()
    wanted = tuple(dict.fromkeys([*core.indicator_ids, *plus.indicator_ids,
                                  *[i for a in clinical for i in a.indicator_ids]]))
    rows = health_indicator_rows(place, confidence, ids=wanted, prefer=prefer)
    by_id: dict[str, list[PlaceValue]] = {}
    for r in rows:
        by_id.setdefault(r.indicator_id, []).append(r)
    flags = indicators.town_flags(place)
    coastal = None
    if flags and flags.get("coastal") is not None:
        coastal = "Coastal" if flags["coastal"] in (True, "Coastal") else "Non-coastal"
        if flags.get("income_group"):
            coastal += f"; ONS income-deprivation group: {flags['income_group']} town"
    return Card(
        place=place, core20=profile(place, 2019),
        core20_2025=profile(place, 2025) if place.lsoa21 else None, coastal=coastal,
        plus=[r for i in plus.indicator_ids for r in by_id.get(i, [])],
        areas=[(a, [r for i in a.indicator_ids for r in by_id.get(i, [])]) for a in clinical],
        core20_rows=[r for i in core.indicator_ids for r in by_id.get(i, [])],
    )


def marmot_rows(place: Place, confidence: float = 0.95, prefer: str = "own",
                ) -> list[tuple[str, list[PlaceValue]]]:
    """Every indicator with a Marmot principle, grouped by principle (1–8)."""
    reg = indicators.registry()
    ids = tuple(i for i, m in reg.items() if m.marmot_principle is not None)
    rows = health_indicator_rows(place, confidence, ids=ids, prefer=prefer)
    out = []
    for num, label in sorted(reg.marmot_principles.items()):
        members = [r for r in rows if reg[r.indicator_id].marmot_principle == num]
        out.append((f"{num}. {label}", members))
    return out
