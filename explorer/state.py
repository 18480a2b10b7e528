"""The URL key registry: the one place that names every query parameter.

Every page's state (places, indicator, level, extent, vintage, selection, benchmark,
confidence) travels in the URL with these short keys, so a reload or a shared link
reopens the same view. Parsing never raises: invalid values are reported and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True)
class Param:
    key: str
    label: str
    kind: str  # "str" | "int" | "list" | "flag"
    doc: str
    max_items: int = 1


PARAMS: dict[str, Param] = {
    p.key: p
    for p in (
        Param("p", "places", "list", "Place ids, comma-separated (compare: 2–4 places).", 4),
        Param("r", "region", "str", "Region or extent: a place id (overview, map)."),
        Param("v", "vintage", "int", "IoD vintage: 2019 or 2025."),
        Param("lvl", "level", "str", "Map geography level: lsoa, ward, district, icb."),
        Param("ind", "indicator", "str", "Indicator id (map, inequalities)."),
        Param("cls", "classes", "str", "Map classes: national deciles or quantiles in view."),
        Param("sel", "selection", "str", "Selected area code on the map."),
        Param("bm", "benchmark", "str", "Benchmark place id (default England)."),
        Param("ci", "confidence", "str", "Confidence level: 95 or 99.8."),
        Param("grp", "grouping", "str", "Deprivation grouping: decile or quintile."),
        Param("view", "view", "str", "Sub-view of a page, e.g. marmot."),
        Param("sex", "sex", "str", "Sex: Persons, Male or Female (trends)."),
        Param("flt", "filter", "str", "At-a-glance filter: worse or worsening."),
        Param("sort", "sort", "str", "At-a-glance sort: a district id, or indicator."),
        Param("present", "presentation", "flag", "Presentation mode: 1."),
        Param("scene", "scene", "int", "Scene number in presentation mode (1-based)."),
    )
}


class InvalidValue(ValueError):
    pass


Validator = Callable[[Any], Any]


def parse(query: Mapping[str, Any], validators: Mapping[str, Validator] | None = None,
          ) -> tuple[dict[str, Any], list[str]]:
    """Query parameters -> (state, messages). Unknown keys and invalid values are dropped
    with a message; never raises."""
    validators = validators or {}
    state: dict[str, Any] = {}
    messages: list[str] = []
    for key, raw in query.items():
        param = PARAMS.get(str(key))
        if param is None:
            messages.append(f"Ignored unknown link setting '{_short(key)}'.")
            continue
        try:
            value = _coerce(param, raw)
            if key in validators:
                value = validators[key](value)
        except InvalidValue as exc:
            messages.append(f"Ignored {param.label} in the link: {exc}")
            continue
        except Exception:
            messages.append(f"Ignored {param.label} in the link: '{_short(raw)}' is not valid.")
            continue
        if value in (None, "", []):
            continue
        state[key] = value
    return state, messages


def _short(value: Any, n: int = 40) -> str:
    text = str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _scalar(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else ""
    return str(raw)


def _coerce(param: Param, raw: Any) -> Any:
    if param.kind == "list":
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        out: list[str] = []
        for item in items:
            for part in str(item).split(","):
                part = part.strip()
                if part and part not in out:
                    out.append(part)
        if len(out) > param.max_items:
            raise InvalidValue(f"at most {param.max_items} allowed; kept the first "
                               f"{param.max_items}")
        return out
    text = _scalar(raw).strip()
    if param.kind == "int":
        if not text.lstrip("-").isdigit() or len(text) > 6:
            raise InvalidValue(f"'{_short(text)}' is not a whole number")
        return int(text)
    if param.kind == "flag":
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise InvalidValue(f"'{_short(text)}' is not 1 or 0")
    return text


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
            raise InvalidValue(f"unknown {what} '{_short(value)}'")
        return hit

    return check
