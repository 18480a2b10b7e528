"""The URL key registry: the one vocabulary of query parameters.

Every page's state (places, indicator, level, extent, vintage, selection, benchmark,
confidence) travels in the URL with these short keys, so a reload or a shared link
reopens the same view. Pages, the frame (``ui/frame.py``), ``ui/state.py`` and scene
validation name keys through the constants below (``url_state.PLACES``, never ``"p"``), and
fixed vocabularies (levels, confidence levels, groupings, vintages) live here once.
Parsing never raises: invalid values are reported and dropped; the messages are plain text
quoting user values cleaned and shortened (``explorer.text``; the UI escapes them), with all
unknown keys in one message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from explorer import text as plain_text

# --------------------------------------------------------------------------------------
# The keys

PLACES = "p"
REGION = "r"
VINTAGE = "v"
LEVEL = "lvl"
INDICATOR = "ind"
CLASSES = "cls"
SELECTION = "sel"
BENCHMARK = "bm"
CONFIDENCE = "ci"
PERIOD = "per"
GROUPING = "grp"
VIEW = "view"
YEAR = "yr"
PRESENT = "present"
SCENE = "scene"
CUSTOM = "cp"
SEX = "sex"
FILTER = "flt"
SORT = "sort"

#: Keys the frame and the scene player own; a page's state never stores them.
FRAME_KEYS: tuple[str, ...] = (PRESENT, SCENE)

# --------------------------------------------------------------------------------------
# Fixed vocabularies and their conversions

VINTAGES: tuple[int, ...] = (2019, 2025)
LEVELS: tuple[str, ...] = ("lsoa", "ward", "district", "icb")
#: Confidence key in a link -> the level as a fraction.
CONFIDENCE_LEVELS: dict[str, float] = {"95": 0.95, "99.8": 0.998}
CONFIDENCES: tuple[str, ...] = tuple(CONFIDENCE_LEVELS)
DEFAULT_CONFIDENCE = "95"
GROUPINGS: tuple[str, ...] = ("decile", "quintile")
#: Which period a place is shown for: its own latest figure, or the latest (maybe borrowed).
PERIOD_CHOICES: dict[str, str] = {"own": "Place's own figure", "latest": "Latest period"}
DEFAULT_PERIOD = "own"
MAX_PLACES = 4
SEXES: tuple[str, ...] = ("Persons", "Male", "Female")
#: Words read as on / off for flag keys (``?present=1``, ``yes``, ``TRUE``, ``on``).
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
#: Longest text value a link may carry (ids, codes); longer is not a value of ours.
MAX_TEXT = 120
#: Unknown keys reported by name in one message (the rest are counted).
MAX_LISTED = 5


def confidence_level(key: Any) -> float:
    """``"99.8"`` -> 0.998; anything else -> the default 95%."""
    return CONFIDENCE_LEVELS.get(str(key), CONFIDENCE_LEVELS[DEFAULT_CONFIDENCE])


def flag(raw: Any) -> bool | None:
    """The one flag parser: 1/true/yes/on -> True, 0/false/no/off/'' -> False, else None.

    Query values arrive as strings or lists of strings (the last one counts)."""
    if isinstance(raw, bool):
        return raw
    text = _scalar(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def is_on(raw: Any) -> bool:
    """True only for a recognised "on" word (``flag(raw) is True``)."""
    return flag(raw) is True


@dataclass(frozen=True)
class Param:
    key: str
    label: str
    kind: str  # "str" | "int" | "list" | "flag"
    doc: str
    max_items: int = 1
    choices: tuple[Any, ...] = ()


PARAMS: dict[str, Param] = {
    p.key: p
    for p in (
        Param(PLACES, "places", "list", "Place ids, comma-separated (compare: 2–4 places).",
              MAX_PLACES),
        Param(REGION, "region", "str", "Region or extent: a place id (overview, map)."),
        Param(VINTAGE, "vintage", "int", "IoD vintage: 2019 or 2025.", choices=VINTAGES),
        Param(LEVEL, "level", "str", "Map geography level: lsoa, ward, district, icb.",
              choices=LEVELS),
        Param(INDICATOR, "indicator", "str", "Indicator id (map, inequalities)."),
        Param(CLASSES, "classes", "str", "Map classes: national deciles or quantiles in view."),
        Param(SELECTION, "selection", "str", "Selected area code on the map."),
        Param(BENCHMARK, "benchmark", "str", "Benchmark place id (default England)."),
        Param(CONFIDENCE, "confidence", "str", "Confidence level: 95 or 99.8.",
              choices=CONFIDENCES),
        Param(PERIOD, "period", "str", "Period shown: own (the place's own latest figure, "
              "default) or latest (the latest period, from a larger area if need be).",
              choices=tuple(PERIOD_CHOICES)),
        Param(GROUPING, "grouping", "str", "Deprivation grouping: decile or quintile.",
              choices=GROUPINGS),
        Param(VIEW, "view", "str", "Sub-view of a page, e.g. marmot."),
        Param(SEX, "sex", "str", "Sex: Persons, Male or Female (trends).",
              choices=SEXES),
        Param(FILTER, "filter", "str", "At-a-glance filter: worse or worsening."),
        Param(SORT, "sort", "str", "At-a-glance sort: a district id, or indicator."),
        Param(YEAR, "year", "str", "Financial year, e.g. 2022-23 (provision)."),
        Param(PRESENT, "presentation", "flag", "Presentation mode: 1 (or true, yes, on)."),
        Param(SCENE, "scene", "int", "Scene number in presentation mode (1-based)."),
        Param(CUSTOM, "custom places", "list", "Custom place definitions, compact tokens "
              "(explorer/custom_places.py); places refer to them as custom-… ids.", 8),
    )
}


class InvalidValue(ValueError):
    """A link value that is not one of ours; the message is shown to the user (escape user
    text in it with :func:`quote`)."""


Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class Noted:
    """What a validator returns when it kept part of a value: the part kept and a note for
    the user ("unknown place 'atlantis'; showing the others"), shown with the link's other
    messages."""

    value: Any
    note: str


def quote(value: Any) -> str:
    """A user value inside a message: ``'value'``, cleaned and shortened (plain text: the UI
    escapes messages when it shows them)."""
    return plain_text.quote(value)


def parse(query: Mapping[str, Any], validators: Mapping[str, Validator] | None = None,
          ) -> tuple[dict[str, Any], list[str]]:
    """Query parameters -> (state, messages). Unknown keys and invalid values are dropped
    with a message (all unknown keys in one message); never raises. A list longer than its
    key allows keeps its first items, with a message saying so."""
    validators = validators or {}
    state: dict[str, Any] = {}
    messages: list[str] = []
    unknown: list[str] = []
    for key, raw in query.items():
        param = PARAMS.get(str(key))
        if param is None:
            unknown.append(str(key))
            continue
        try:
            value, note = _coerce(param, raw)
            if key in validators:
                value = validators[key](value)
            if isinstance(value, Noted):
                value, note = value.value, "; ".join(n for n in (note, value.note) if n)
        except InvalidValue as exc:
            messages.append(f"Ignored {param.label} in the link: {exc}")
            continue
        except Exception:
            messages.append(f"Ignored {param.label} in the link: {quote(_scalar(raw))} is "
                            "not valid.")
            continue
        if note:
            messages.append(f"The link's {param.label}: {note}.")
        if value in (None, "", []):
            continue
        state[key] = value
    if unknown:
        messages.append(unknown_message(unknown))
    return state, plain_text.dedupe(messages)


def unknown_message(keys: list[str]) -> str:
    """One message for any number of unknown keys (150 keys make one box, not 150)."""
    word = "setting" if len(set(keys)) == 1 else "settings"
    return f"Ignored unknown link {word} {plain_text.listed(keys, MAX_LISTED)}."


def _short(value: Any, n: int = plain_text.SHORT) -> str:
    """Cleaned and shortened: every user value in a message goes through here."""
    return plain_text.shorten(value, n)


def _scalar(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else ""
    return str(raw)


def _coerce(param: Param, raw: Any) -> tuple[Any, str]:
    """Raw query value -> (typed value, note for the user or "")."""
    if param.kind == "list":
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        out: list[str] = []
        for item in items:
            for part in str(item).split(","):
                part = part.strip()
                if len(part) > MAX_TEXT:
                    raise InvalidValue(f"{quote(part)} is too long")
                if part and part not in out:
                    out.append(part)
        if len(out) > param.max_items:
            return out[: param.max_items], (f"at most {param.max_items} allowed; kept the "
                                            f"first {param.max_items}")
        return out, ""
    text = _scalar(raw).strip()
    if param.kind == "int":
        if not text.lstrip("-").isdigit() or len(text) > 6:
            raise InvalidValue(f"{quote(text)} is not a whole number")
        return int(text), ""
    if param.kind == "flag":
        value = flag(text)
        if value is None:
            raise InvalidValue(f"{quote(text)} is not 1 or 0")
        return value, ""
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"{quote(text)} is too long")
    return text, ""


def to_query(state: Mapping[str, Any]) -> dict[str, str]:
    """State -> query parameters (only registered keys; stable order)."""
    out: dict[str, str] = {}
    for key in PARAMS:
        if key not in state:
            continue
        value = state[key]
        if value is None or value is False or (isinstance(value, str | list | tuple)
                                               and len(value) == 0):
            continue
        param = PARAMS[key]
        if param.kind == "list":
            out[key] = ",".join(str(v) for v in value)
        elif param.kind == "flag":
            out[key] = "1"
        else:
            out[key] = str(value)
    unknown = set(state) - set(PARAMS)
    if unknown:
        raise KeyError(f"unregistered URL keys: {sorted(unknown)}")
    return out


#: The default page is served at the app's root URL ("/"), not at its url_path.
DEFAULT_PAGE = "overview"


def url(page: str, state: Mapping[str, Any], base: str = "") -> str:
    """A shareable link to a page with this state."""
    query = urlencode(to_query(state))
    if page.strip("/") == DEFAULT_PAGE:
        page = ""
    path = f"{base.rstrip('/')}/{page.strip('/')}" if page else (base.rstrip("/") or "/")
    return f"{path}?{query}" if query else path


def choice(options: Mapping[str, Any] | tuple | list, what: str) -> Validator:
    """A validator that accepts one of the options (case-insensitive)."""
    lookup = {str(o).lower(): o for o in options}

    def check(value: Any) -> Any:
        hit = lookup.get(str(value).lower())
        if hit is None:
            raise InvalidValue(f"unknown {what} {quote(value)}")
        return hit

    return check


def allowed(key: str, what: str | None = None) -> Validator:
    """The validator of a key with a fixed vocabulary (``allowed(CONFIDENCE)``)."""
    param = PARAMS[key]
    if not param.choices:
        raise KeyError(f"URL key {key!r} has no fixed vocabulary")
    return choice(param.choices, what or param.label)
