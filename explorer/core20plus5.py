"""The CORE20PLUS5 card and the Marmot view for a place.

CORE20PLUS5 (NHS England): the most deprived 20% of the population (Core20), locally chosen
PLUS groups, and five clinical areas. Each area shows the best indicator the bundled data
hold, compared with England by the Fingertips rule, with its period and the geography used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer import indicators
from explorer.compare import IndicatorRow, health_indicator_rows
from explorer.places import Place
from explorer.profile import Profile, profile


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    ask: str
    indicator_ids: tuple[str, ...]
    gap_note: str = ""


CLINICAL_AREAS: tuple[Area, ...] = (
    Area("maternity", "Maternity", "Continuity of carer for the most deprived; smoke-free "
         "pregnancies", ("93085",)),
    Area("smi", "Severe mental illness", "Annual health checks for people with SMI; "
         "premature mortality", ("qof-mh", "91096")),
    Area("respiratory", "Chronic respiratory disease", "COPD diagnosis and management; "
         "smoking cessation", ("qof-copd", "qof-ast", "92443", "91547")),
    Area("cancer", "Early cancer diagnosis", "75% of cancers diagnosed at stage 1 or 2 by 2028",
         ("94063", "91344", "qof-can"),
         "Stage at diagnosis is not in the bundled data."),
    Area("hypertension", "Hypertension case-finding", "Find and treat high blood pressure",
         ("qof-hyp", "91112"),
         "Modelled expected prevalence is not in the bundled data, so the case-finding gap "
         "(expected minus recorded) cannot be shown; recorded prevalence is compared with "
         "England instead."),
)
PLUS_INDICATORS: tuple[str, ...] = ("census-65plus", "rural-share", "dwp-cilif-pct", "93701",
                                    "qof-ld")


@dataclass
class Card:
    place: Place
    core20: Profile
    core20_2025: Profile | None
    coastal: str | None
    plus: list[IndicatorRow]
    areas: list[tuple[Area, list[IndicatorRow]]] = field(default_factory=list)


def card(place: Place, confidence: float = 0.95) -> Card:
    wanted = tuple(dict.fromkeys([*PLUS_INDICATORS,
                                  *[i for a in CLINICAL_AREAS for i in a.indicator_ids]]))
    rows = health_indicator_rows(place, confidence, ids=wanted)
    by_id: dict[str, list[IndicatorRow]] = {}
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
        plus=[r for i in PLUS_INDICATORS for r in by_id.get(i, [])],
        areas=[(a, [r for i in a.indicator_ids for r in by_id.get(i, [])])
               for a in CLINICAL_AREAS],
    )


def marmot_rows(place: Place, confidence: float = 0.95) -> list[tuple[str, list[IndicatorRow]]]:
    """Every indicator with a Marmot principle, grouped by principle (1–8)."""
    reg = indicators.registry()
    ids = tuple(i for i, m in reg.items() if m.marmot_principle is not None)
    rows = health_indicator_rows(place, confidence, ids=ids)
    out = []
    for num, label in sorted(indicators.MARMOT_PRINCIPLES.items()):
        members = [r for r in rows if reg[r.indicator_id].marmot_principle == num]
        out.append((f"{num}. {label}", members))
    return out
