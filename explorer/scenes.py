"""Scenes: an ordered list of saved views that a facilitator steps through with a panel.

A scene is a page of the app plus the link settings of that page (the URL keys of
:mod:`explorer.state`), a title and speaker notes. Scene lists are plain YAML so facilitators
can read and edit them in any text editor; ``data/scenes.yaml`` holds the built-in story.

Loading never raises for a bad *scene*: it is skipped or repaired and a message says which
one and why, so one typo does not cost the facilitator the whole deck minutes before a
session. Only a file that is not a scene list at all raises :class:`SceneFileError`, whose
message is written for the facilitator, not for a developer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from explorer import state as url_state

SCENES_FILE = Path(__file__).resolve().parents[1] / "data" / "scenes.yaml"

#: url_path -> title of every page registered in app.py.
PAGES: dict[str, str] = {
    "overview": "Overview",
    "map": "Map",
    "compare": "Compare places",
    "core20plus5": "CORE20PLUS5",
    "inequalities": "Inequalities",
    "trends": "Trends",
    "glance": "North West at a glance",
    "facilitator": "Facilitator",
    "sources": "Data and methods",
}
#: Keys the scene player adds itself; a scene never stores them.
FRAME_KEYS: tuple[str, ...] = ("present", "scene")
#: Accepted values of keys whose vocabulary is fixed (see explorer/state.py).
LEVELS: tuple[str, ...] = ("lsoa", "ward", "district", "icb")
CONFIDENCES: tuple[str, ...] = ("95", "99.8")
GROUPINGS: tuple[str, ...] = ("decile", "quintile")
VINTAGES: tuple[int, ...] = (2019, 2025)

MAX_FILE_BYTES = 256_000  # a scene list is a few KB; anything bigger is the wrong file
MAX_SCENES = 60
MAX_TITLE = 120
MAX_NOTES = 4_000
MAX_VALUE = 80


class SceneFileError(ValueError):
    """The file is not a usable scene list (not YAML, wrong shape, too big)."""


@dataclass(frozen=True)
class Scene:
    """One saved view: which page, with which link settings, and what to say about it."""

    title: str
    page: str
    state: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""

    def query(self) -> dict[str, str]:
        """The scene's link settings as query parameters (registry order)."""
        return url_state.to_query(self.state)

    def link(self, base: str = "") -> str:
        """Shareable link to this view (relative unless ``base`` is given)."""
        return url_state.url(self.page, self.state, base)

    def presenting_query(self, number: int) -> dict[str, str]:
        """Query parameters that open this scene in presentation mode as scene ``number``."""
        return {**self.query(), "present": "1", "scene": str(number)}

    @property
    def page_title(self) -> str:
        return PAGES.get(self.page, self.page)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for YAML: lists for list keys, numbers for number keys."""
        out: dict[str, Any] = {"title": self.title, "page": self.page}
        if self.state:
            out["state"] = {k: (list(v) if isinstance(v, list | tuple) else v)
                            for k, v in _ordered(self.state).items()}
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class SceneDeck:
    """A titled, ordered scene list and where it came from (shown to the facilitator)."""

    title: str
    scenes: tuple[Scene, ...]
    origin: str = "built-in"

    def __len__(self) -> int:
        return len(self.scenes)

    def scene(self, number: int) -> Scene:
        """Scene by its 1-based number, as shown in the counter and in ``?scene=N``."""
        return self.scenes[number - 1]

    def clamp(self, number: int | None) -> int:
        """A valid 1-based scene number nearest to ``number`` (1 for nothing or junk)."""
        if not self.scenes or number is None:
            return 1
        return max(1, min(len(self.scenes), int(number)))


def _ordered(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: state[k] for k in url_state.PARAMS if k in state}


# --------------------------------------------------------------------------------------
# Validation


def _place_check() -> Callable[[str], str | None] | None:
    """A function giving the problem with a place id (None when known), or None when the
    registry is unavailable (no data snapshot): scenes then load unchecked rather than not
    at all."""
    try:
        from explorer.places import registry

        reg = registry()
    except Exception:  # scene files must load even without the data snapshot
        return None

    def problem(place_id: str) -> str | None:
        if place_id in reg:
            return None
        hints = reg.suggest(place_id, 3)
        tip = f" (did you mean {', '.join(hints)}?)" if hints else ""
        return f"unknown place '{_short(place_id)}'{tip}"

    return problem


def _validators(check_places: bool) -> dict[str, url_state.Validator]:
    checks: dict[str, url_state.Validator] = {
        "v": url_state.choice(VINTAGES, "vintage"),
        "lvl": url_state.choice(LEVELS, "level"),
        "ci": url_state.choice(CONFIDENCES, "confidence level"),
        "grp": url_state.choice(GROUPINGS, "grouping"),
    }
    for key in ("ind", "cls", "sel", "view"):
        checks[key] = _short_text
    problem = _place_check() if check_places else None
    if problem is not None:
        def one_place(value: Any) -> str:
            text = _short_text(value)
            if (msg := problem(text)) is not None:
                raise url_state.InvalidValue(msg)
            return text

        def many_places(value: Any) -> list[str]:
            items = [_short_text(v) for v in value]
            for item in items:
                if (msg := problem(item)) is not None:
                    raise url_state.InvalidValue(msg)
            return items

        checks.update({"p": many_places, "r": one_place, "bm": one_place})
    return checks


def _short(value: Any, n: int = 40) -> str:
    text = str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _short_text(value: Any) -> str:
    text = str(value).strip()
    if len(text) > MAX_VALUE:
        raise url_state.InvalidValue(f"longer than {MAX_VALUE} characters")
    return text


def normalise_page(raw: Any) -> str | None:
    """'compare', '/compare', 'Compare places' or 'pages/compare.py' -> 'compare'."""
    text = str(raw or "").strip().lower()
    text = text.removeprefix("pages/").removesuffix(".py").strip("/")
    if text in PAGES:
        return text
    by_title = {title.lower(): key for key, title in PAGES.items()}
    return by_title.get(text)


def scene_from_dict(raw: Any, number: int, check_places: bool = True,
                    ) -> tuple[Scene | None, list[str]]:
    """One scene from YAML data -> (scene or None, messages). Never raises.

    A scene without a usable page is skipped; a bad link setting is dropped and the scene
    kept, because the view still opens (the page shows its defaults for that setting).
    """
    where = f"Scene {number}"
    if not isinstance(raw, Mapping):
        return None, [f"{where} was skipped: it should be a set of 'title', 'page', "
                      "'state' and 'notes' entries."]
    title = " ".join(str(raw.get("title") or "").split())
    if title:
        where = f"Scene {number} ('{_short(title)}')"
    messages: list[str] = []
    page = normalise_page(raw.get("page"))
    if page is None:
        return None, [f"{where} was skipped: unknown page '{_short(raw.get('page'))}'."
                      f" Pages: {', '.join(PAGES)}."]
    if not title:
        title = f"{PAGES[page]} view"
        messages.append(f"{where} has no title; it is called '{title}'.")
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
        messages.append(f"{where}: the title was shortened to {MAX_TITLE} characters.")
    notes = raw.get("notes")
    notes = "" if notes is None else str(notes).strip("\n")
    if len(notes) > MAX_NOTES:
        notes = notes[:MAX_NOTES]
        messages.append(f"{where}: speaker notes were cut to {MAX_NOTES} characters.")
    raw_state = raw.get("state") or {}
    if isinstance(raw_state, str):
        raw_state = _query_string(raw_state)
    if not isinstance(raw_state, Mapping):
        messages.append(f"{where}: 'state' should be a set of link settings such as "
                        "'p: [eden, blackpool]'; it was ignored.")
        raw_state = {}
    raw_state = {str(k): v for k, v in raw_state.items()}
    for key in FRAME_KEYS:
        if raw_state.pop(key, None) is not None:
            messages.append(f"{where}: '{key}' is set by the scene player and was ignored.")
    parsed, problems = url_state.parse(raw_state, _validators(check_places))
    messages += [f"{where}: {p}" for p in problems]
    return Scene(title=title, page=page, state=_ordered(parsed), notes=notes), messages


def _query_string(text: str) -> dict[str, Any]:
    """'p=eden,blackpool&ci=95' (or a whole link) -> raw state for parse()."""
    query = urlsplit(text).query if ("?" in text or "://" in text) else text
    return {k: (v if url_state.PARAMS.get(k) and url_state.PARAMS[k].kind == "list" else v[-1])
            for k, v in parse_qs(query.lstrip("?"), keep_blank_values=True).items()}


def scene_from_link(link: str, title: str = "", notes: str = "", check_places: bool = True,
                    ) -> tuple[Scene | None, list[str]]:
    """A scene from a link copied from any page's "copy link" control. Never raises."""
    parts = urlsplit(link.strip())
    page = parts.path.rstrip("/").rsplit("/", 1)[-1] if parts.path.strip("/") else "overview"
    raw: dict[str, Any] = {"title": title, "page": page, "notes": notes,
                           "state": _query_string(parts.query) if parts.query else {}}
    return scene_from_dict(raw, 1, check_places)


# --------------------------------------------------------------------------------------
# Files


def load_text(text: str | bytes, origin: str = "uploaded file", check_places: bool = True,
              ) -> tuple[SceneDeck, list[str]]:
    """Parse a scene list -> (deck, messages about skipped or repaired scenes).

    Raises :class:`SceneFileError` (with a message for the facilitator) only when the file
    is not a scene list at all.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise SceneFileError(f"The file is {len(text) / 1000:.0f} KB; a scene list is at "
                                 f"most {MAX_FILE_BYTES // 1000} KB. Is it the right file?")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SceneFileError("The file is not UTF-8 text. Save it as UTF-8 from your "
                                 "editor and load it again.") from exc
    if len(text) > MAX_FILE_BYTES:
        raise SceneFileError(f"The text is longer than {MAX_FILE_BYTES // 1000} KB; a scene "
                             "list is much shorter. Is it the right file?")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" near line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        raise SceneFileError(f"The scene list could not be read{where}: {problem}. Check "
                             "the indentation and that text containing ':' is in quotes."
                             ) from exc
    if isinstance(data, list):
        data = {"scenes": data}
    if not isinstance(data, Mapping) or not isinstance(data.get("scenes"), list):
        raise SceneFileError("This is not a scene list: it needs a 'scenes:' entry holding a "
                             "list of scenes, each with a title, a page and link settings. "
                             "Download the built-in list to see the format.")
    raw_scenes = data["scenes"]
    messages: list[str] = []
    if len(raw_scenes) > MAX_SCENES:
        messages.append(f"Only the first {MAX_SCENES} of {len(raw_scenes)} scenes were loaded.")
        raw_scenes = raw_scenes[:MAX_SCENES]
    scenes: list[Scene] = []
    for number, raw in enumerate(raw_scenes, start=1):
        scene, problems = scene_from_dict(raw, number, check_places)
        messages += problems
        if scene is not None:
            scenes.append(scene)
    if not scenes:
        raise SceneFileError("No usable scene in this file. " + " ".join(messages[:3]))
    title = " ".join(str(data.get("title") or "").split())[:MAX_TITLE] or "Scenes"
    return SceneDeck(title=title, scenes=tuple(scenes), origin=origin), messages


def load_file(path: Path | str, check_places: bool = True) -> tuple[SceneDeck, list[str]]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SceneFileError(f"The scene list {path.name} could not be read ({exc.strerror})."
                             ) from exc
    return load_text(data, origin=path.name, check_places=check_places)


def builtin(check_places: bool = True) -> SceneDeck:
    """The built-in story (``data/scenes.yaml``); its messages are a test failure, not UI."""
    deck, _ = load_file(SCENES_FILE, check_places)
    return SceneDeck(title=deck.title, scenes=deck.scenes, origin="built-in")


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line notes as blocks, short lists inline, no key sorting."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list_representer(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    flow = all(isinstance(v, str | int | float) for v in value) and len(value) <= 6
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(list, _list_representer)

HEADER = """\
# Scene list for the Health Equity Explorer (Facilitator page: load, edit, present).
# Each scene: title, page (one of: {pages}),
# state (link settings: the keys of a shareable link, e.g. p: [eden, blackpool], v: 2019),
# notes (speaker notes, plain text).
"""


def dump(deck: SceneDeck | Iterable[Scene], title: str | None = None) -> str:
    """A deck as readable YAML that :func:`load_text` reads back to the same deck."""
    if isinstance(deck, SceneDeck):
        title = title or deck.title
        scenes = deck.scenes
    else:
        scenes = tuple(deck)
    body = {"title": title or "Scenes", "scenes": [s.to_dict() for s in scenes]}
    # YAML reads NEL and the Unicode line/paragraph separators as line breaks: escape all
    # non-ASCII when one of them is present, so what a facilitator typed survives exactly.
    plain = not any(ch in yaml.dump(body, Dumper=_Dumper, allow_unicode=True)
                    for ch in ("\x85", "\u2028", "\u2029"))
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=plain, width=96)
    return HEADER.format(pages=", ".join(PAGES)) + text
