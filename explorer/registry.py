"""The indicator registry: ``data/indicators.yaml`` parsed and validated once.

Why a module of its own: metadata (units, polarity, CI method, comparison level, tags) is
read by every consumer, while store rows and geography are needed only when a value is
computed. Loading builds one immutable :class:`Registry`; nothing here mutates module
state, so a test may load another file without changing what the app sees.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from loaders.paths import DATA_DIR

INDICATORS_FILE: Path = DATA_DIR / "indicators.yaml"

POLARITIES = ("high_is_good", "low_is_good", "no_judgement")
VALUE_TYPES = ("proportion", "rate", "ratio", "years", "count")
CI_METHODS = ("Wilson", "Byar's", "as published", "none")
METHODS = ("published", "lsoa", "msoa", "derived")
UNITS = ("%", "years", "per 100,000", "per 1,000", "ratio", "count")
CORE20PLUS5 = ("maternity", "smi", "respiratory", "cancer", "hypertension", "plus", "core20")
GEOGRAPHIES = ("england", "region", "county", "ua", "district", "icb", "sub-icb", "msoa",
               "lsoa", "any")
COMPARE_CONFIDENCES = (95, 99.8)
SEX_ORDER = ("Persons", "Male", "Female")
_TOP_KEYS = {"marmot_principles", "core20plus5_areas", "indicators"}
#: Indicators computed from other snapshot tables (``method: derived``); each has a
#: derivation in :mod:`explorer.store`, which checks this list at import.
DERIVED_IDS = frozenset({"census-65plus", "rural-share", "core20", "income_deprivation",
                         "employment_deprivation", "idaci", "idaopi"})
#: Free tags an entry may carry (``tags:``): where the app shows it.
TAGS = ("compare", "brief", "core20plus5", "plus", "deprivation", "map")


def format_value(value: float | None, unit: str, extra_decimals: int = 0) -> str:
    """A value as people read it: '45.4%', '78.3 years', '184.1 per 100,000', '525.3'
    (values on the unit's scale: 45.4 for 45.4%). One writing of every unit, for every page,
    note and export; ``extra_decimals`` for an interval that would otherwise read as one
    number (:func:`format_interval`)."""
    if value is None or value != value:  # None or NaN
        return "–"
    d = 1 + extra_decimals
    if unit == "%":
        return f"{value:.{d}f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:,.{d}f}" if abs(value) >= 10 else f"{value:.{d + 1}f}"
    if unit == "value":
        return f"{value:,.{3 + extra_decimals}g}"
    return f"{value:,.{d}f} {unit}"


def format_interval(lower: float | None, upper: float | None, unit: str) -> tuple[str, str]:
    """An interval's two limits at the unit's precision, or with up to two more decimals
    where that precision would write both limits the same ('0.5%–0.5%' for 0.52% to 0.55%:
    an interval that reads as no uncertainty at all)."""
    for extra in range(3):
        lo, hi = format_value(lower, unit, extra), format_value(upper, unit, extra)
        if lo != hi or lower == upper or unit == "count":
            break
    return lo, hi


class IndicatorRegistryError(ValueError):
    """``data/indicators.yaml`` is malformed: an unknown key or value, or a missing field."""


class UnknownIndicatorError(KeyError):
    """An indicator id that is not in the registry."""


@dataclass(frozen=True)
class IndicatorMeta:
    """One entry of ``data/indicators.yaml`` (see the file header for each field)."""

    id: str
    name: str
    short_name: str
    definition: str
    unit: str
    multiplier: float
    polarity: str
    value_type: str
    ci_method: str
    compare_confidence: float
    method: str
    aggregatable: bool
    source: str
    publisher: str
    licence: str
    vintage: str
    url: str
    geographies: tuple[str, ...]
    marmot_principle: int | None
    core20plus5: str | None
    caveats: str
    #: Where the entry is shown (optional; see :data:`TAGS`).
    tags: tuple[str, ...] = ()
    #: The age group the count and denominator refer to ("17+" for the diabetes
    #: register), when not all ages (optional).
    age_group: str | None = None

    @property
    def caption(self) -> str:
        """A one-line source caption for charts and exports."""
        return f"Source: {self.publisher} ({self.vintage}). {self.licence}. {self.url}"


_META_FIELDS = {f.name for f in fields(IndicatorMeta)}
_OPTIONAL = {"tags": (), "age_group": None}


@dataclass(frozen=True)
class AreaSpec:
    """A CORE20PLUS5 area of the yaml: its title, NHS England's ask, what data are missing."""

    key: str
    title: str
    ask: str
    gap: str = ""


class Registry(Mapping[str, IndicatorMeta]):
    """Every indicator by id, with the Marmot principles and CORE20PLUS5 areas (read-only)."""

    def __init__(self, entries: dict[str, IndicatorMeta], principles: dict[int, str],
                 areas: dict[str, AreaSpec]) -> None:
        self._entries = MappingProxyType(dict(entries))
        self.marmot_principles: Mapping[int, str] = MappingProxyType(dict(principles))
        self.areas: Mapping[str, AreaSpec] = MappingProxyType(dict(areas))
        #: area key -> "Title - ask" (one line, for captions)
        self.core20plus5_areas: Mapping[str, str] = MappingProxyType(
            {k: f"{a.title} - {a.ask}" for k, a in areas.items()})

    def __getitem__(self, key: str) -> IndicatorMeta:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def tagged(self, tag: str) -> list[IndicatorMeta]:
        """Entries carrying a tag (e.g. ``headline``), in file order."""
        return [m for m in self._entries.values() if tag in m.tags]

    def core20plus5(self, area: str) -> list[IndicatorMeta]:
        """Entries of one CORE20PLUS5 area, in file order."""
        return [m for m in self._entries.values() if m.core20plus5 == area]


def _fail(where: str, msg: str) -> None:
    raise IndicatorRegistryError(f"{INDICATORS_FILE.name}: {where}: {msg}")


def _validate_entry(raw: dict, n: int) -> IndicatorMeta:
    where = f"indicator #{n} ({raw.get('id', '?')})"
    if not isinstance(raw, dict):
        _fail(where, "not a mapping")
    unknown = set(raw) - _META_FIELDS
    if unknown:
        _fail(where, f"unknown key(s) {sorted(unknown)}")
    missing = _META_FIELDS - set(raw) - set(_OPTIONAL)
    if missing:
        _fail(where, f"missing key(s) {sorted(missing)}")
    d = {**_OPTIONAL, **raw}
    tags = d["tags"]
    if not isinstance(tags, (list, tuple)) or set(tags) - set(TAGS):
        _fail(where, f"'tags' must be a list drawn from {TAGS}")
    d["tags"] = tuple(tags)
    if d["age_group"] is not None and (not isinstance(d["age_group"], str)
                                       or not d["age_group"].strip()):
        _fail(where, "'age_group' must be a non-empty string or absent")
    for key in ("id", "name", "short_name", "definition", "source", "publisher", "licence",
                "vintage", "url", "caveats"):
        if not isinstance(d[key], str) or not d[key].strip():
            _fail(where, f"'{key}' must be a non-empty string")
        d[key] = " ".join(d[key].split())
    enums: dict[str, tuple] = {"unit": UNITS, "polarity": POLARITIES,
                               "value_type": VALUE_TYPES, "ci_method": CI_METHODS,
                               "method": METHODS}
    for key, allowed in enums.items():
        if d[key] not in allowed:
            _fail(where, f"'{key}' is {d[key]!r}, not one of {allowed}")
    if d["core20plus5"] is not None and d["core20plus5"] not in CORE20PLUS5:
        _fail(where, f"'core20plus5' is {d['core20plus5']!r}, not one of {CORE20PLUS5} or null")
    mp = d["marmot_principle"]
    if mp is not None and (isinstance(mp, bool) or not isinstance(mp, int) or
                           not 1 <= mp <= 8):
        _fail(where, f"'marmot_principle' must be 1-8 or null, got {mp!r}")
    if isinstance(d["multiplier"], bool) or not isinstance(d["multiplier"], (int, float)) \
            or d["multiplier"] <= 0:
        _fail(where, "'multiplier' must be a positive number")
    if d["compare_confidence"] not in COMPARE_CONFIDENCES:
        _fail(where, f"'compare_confidence' must be one of {COMPARE_CONFIDENCES}")
    if not isinstance(d["aggregatable"], bool):
        _fail(where, "'aggregatable' must be true or false")
    geos = d["geographies"]
    if not isinstance(geos, list) or not geos or set(geos) - set(GEOGRAPHIES):
        _fail(where, f"'geographies' must be a list drawn from {GEOGRAPHIES}")
    if d["ci_method"] == "Wilson" and d["value_type"] != "proportion":
        _fail(where, "Wilson CIs apply to proportions only")
    if d["method"] in ("lsoa", "derived") and d["value_type"] != "proportion":
        _fail(where, "LSOA-summed and derived indicators must be proportions")
    if d["method"] == "derived" and d["id"] not in DERIVED_IDS:
        _fail(where, f"no derivation is implemented for {d['id']!r}")
    if d["unit"] == "%" and d["value_type"] not in ("proportion",):
        _fail(where, "unit '%' is for proportions; a ratio is shown as a ratio")
    d["geographies"] = tuple(geos)
    d["multiplier"] = float(d["multiplier"])
    d["compare_confidence"] = float(d["compare_confidence"])
    return IndicatorMeta(**d)


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when available (same constructor, a tenth of the
    time); a document libyaml rejects is re-read by the pure-Python loader, so errors read
    as before."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_registry(path: Path = INDICATORS_FILE) -> Registry:
    """Parse and validate the yaml; every problem raises :class:`IndicatorRegistryError`."""
    try:
        spec = _load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise IndicatorRegistryError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(spec, dict) or set(spec) != _TOP_KEYS:
        raise IndicatorRegistryError(f"{path.name}: top-level keys must be {sorted(_TOP_KEYS)}")
    principles = spec["marmot_principles"]
    if not isinstance(principles, dict) or set(principles) != set(range(1, 9)):
        raise IndicatorRegistryError(f"{path.name}: marmot_principles must list 1-8")
    areas = spec["core20plus5_areas"]
    if not isinstance(areas, dict) or set(areas) != set(CORE20PLUS5):
        raise IndicatorRegistryError(f"{path.name}: core20plus5_areas must list {CORE20PLUS5}")
    details: dict[str, AreaSpec] = {}
    for key, spec_area in areas.items():
        if isinstance(spec_area, str):
            spec_area = {"title": key.capitalize(), "ask": spec_area}
        if not isinstance(spec_area, dict) or not {"title", "ask"} <= set(spec_area) or \
                set(spec_area) - {"title", "ask", "gap"}:
            raise IndicatorRegistryError(f"{path.name}: core20plus5_areas.{key} needs title "
                                         "and ask (and optionally gap)")
        details[key] = AreaSpec(key, *(" ".join(str(spec_area.get(f) or "").split())
                                       for f in ("title", "ask", "gap")))
    out: dict[str, IndicatorMeta] = {}
    for n, raw in enumerate(spec["indicators"] or [], start=1):
        meta = _validate_entry(raw, n)
        if meta.id in out:
            raise IndicatorRegistryError(f"{path.name}: duplicate indicator id {meta.id!r}")
        out[meta.id] = meta
    return Registry(out, {int(k): " ".join(str(v).split()) for k, v in principles.items()},
                    details)


@functools.cache
def registry() -> Registry:
    """Every indicator's metadata, by id (loaded once per process; fails loudly)."""
    return load_registry()


def meta(indicator_id: str) -> IndicatorMeta:
    try:
        return registry()[str(indicator_id)]
    except KeyError as exc:
        raise UnknownIndicatorError(f"Unknown indicator {indicator_id!r}") from exc


def caption(indicator_id: str) -> str:
    return meta(indicator_id).caption
