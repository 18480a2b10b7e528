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

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from explorer import state as url_state
from explorer import text as plain_text

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
    "provision": "Is care where need is?",
    "places": "Your places",
    "facilitator": "Facilitator",
    "sources": "Data and methods",
}
#: Keys the scene player adds itself; a scene never stores them.
FRAME_KEYS: tuple[str, ...] = url_state.FRAME_KEYS
#: Accepted values of keys whose vocabulary is fixed (defined once in explorer/state.py).
LEVELS = url_state.LEVELS
CONFIDENCES = url_state.CONFIDENCES
GROUPINGS = url_state.GROUPINGS
VINTAGES = url_state.VINTAGES

MAX_FILE_BYTES = 256_000  # a scene list is a few KB; anything bigger is the wrong file
MAX_SCENES = 60
MAX_TITLE = 120
MAX_NOTES = 4_000
MAX_VALUE = 80
#: Limits of the YAML reader, checked before anything is built from the file: a scene list
#: has a few hundred nodes, no anchors, a nesting depth of about five and short numbers.
#: "Billion laughs" (nested aliases) and 5,000-deep lists fail here, fast, with a message.
MAX_NODES = 20_000  # nodes after expanding aliases
MAX_ALIASES = 100
MAX_DEPTH = 20
MAX_NUMBER_CHARS = 30


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
        return {**self.query(), url_state.PRESENT: "1", url_state.SCENE: str(number)}

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
    #: Custom places the scenes use, as {name, members} (explorer/custom_places.py).
    custom_places: tuple[dict[str, Any], ...] = ()

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


def _place_check(extra: Mapping[str, tuple[str, str]] | None = None,
                 ) -> Callable[[str], str] | None:
    """A function giving a scene's place as an id (a scene may name it as a link may: id,
    code, name or alias; ``PlaceRegistry.read_link``), raising InvalidValue with the
    suggestions when it names none; or None when the registry is unavailable (no data
    snapshot): scenes then load unchecked rather than not at all."""
    try:
        from explorer.places import registry

        reg = registry()
    except Exception:  # scene files must load even without the data snapshot
        return None
    known = [*(p.id for p in reg.all()), *(extra or {})]

    def place_id(text: str) -> str:
        ids, problems = reg.read_link([text], known)
        if not ids:
            raise url_state.InvalidValue(problems[0])
        return ids[0]

    return place_id


def _validators(check_places: bool, custom: Mapping[str, tuple[str, str]] | None = None,
                ) -> dict[str, url_state.Validator]:
    checks: dict[str, url_state.Validator] = {
        url_state.VINTAGE: url_state.allowed(url_state.VINTAGE),
        url_state.LEVEL: url_state.allowed(url_state.LEVEL),
        url_state.CONFIDENCE: url_state.allowed(url_state.CONFIDENCE, "confidence level"),
        url_state.GROUPING: url_state.allowed(url_state.GROUPING),
    }
    for key in (url_state.INDICATOR, url_state.CLASSES, url_state.SELECTION, url_state.VIEW):
        checks[key] = _short_text
    checks[url_state.CUSTOM] = _tokens
    place_id = _place_check(custom) if check_places else None
    if place_id is not None:
        def one_place(value: Any) -> str:
            return place_id(_short_text(value))

        def many_places(value: Any) -> list[str]:
            return list(dict.fromkeys(place_id(_short_text(v)) for v in value))

        checks.update({url_state.PLACES: many_places, url_state.REGION: one_place,
                       url_state.BENCHMARK: one_place})
    return checks


def _tokens(value: Any) -> list[str]:
    """Custom place tokens: checked for shape here, decoded (never raising) by the app."""
    items = [str(v).strip() for v in (value if isinstance(value, list) else [value])]
    if not all(re.fullmatch(r"1[A-Za-z0-9_-]{6,12000}", t) for t in items):
        raise url_state.InvalidValue("not a custom place definition")
    return items


def _short(value: Any, n: int = 40) -> str:
    """User text inside a (plain-text) message: cleaned and shortened."""
    return plain_text.shorten(value, n)


def _scalar_text(value: Any) -> str | None:
    """Text of a YAML scalar (str, number, bool, date); None for lists and mappings, which
    are never turned into text (a nested alias would expand to gigabytes)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict | set | Mapping | bytes):
        return None
    return str(value)


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
                    custom: Mapping[str, tuple[str, str]] | None = None,
                    ) -> tuple[Scene | None, list[str]]:
    """One scene from YAML data -> (scene or None, messages). Never raises.

    A scene without a usable page is skipped; a bad link setting is dropped and the scene
    kept, because the view still opens (the page shows its defaults for that setting).
    """
    where = f"Scene {number}"
    if not isinstance(raw, Mapping):
        return None, [f"{where} was skipped: it should be a set of 'title', 'page', "
                      "'state' and 'notes' entries."]
    messages: list[str] = []
    title = _scalar_text(raw.get("title"))
    if title is None:
        messages.append(f"{where}: the title should be text; it was ignored.")
        title = ""
    title = " ".join(title.split())
    if title:
        where = f"Scene {number} ('{_short(title)}')"
    page_text = _scalar_text(raw.get("page"))
    page = normalise_page(page_text) if page_text is not None else None
    if page is None:
        return None, [*messages, f"{where} was skipped: unknown page "
                      f"'{_short(page_text if page_text is not None else 'a list')}'."
                      f" Pages: {', '.join(PAGES)}."]
    if not title:
        title = f"{PAGES[page]} view"
        messages.append(f"{where} has no title; it is called '{title}'.")
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
        messages.append(f"{where}: the title was shortened to {MAX_TITLE} characters.")
    notes = _scalar_text(raw.get("notes"))
    if notes is None:
        messages.append(f"{where}: speaker notes should be text; they were ignored.")
        notes = ""
    notes = notes.strip("\n")
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
    raw_state = {str(k)[:MAX_VALUE]: v for k, v in raw_state.items()}
    for key in FRAME_KEYS:
        if raw_state.pop(key, None) is not None:
            messages.append(f"{where}: '{key}' is set by the scene player and was ignored.")
    _use_custom(raw_state, custom or {})
    parsed, problems = url_state.parse(raw_state, _validators(check_places, custom))
    messages += [f"{where}: {p}" for p in problems]
    return Scene(title=title, page=page, state=_ordered(parsed), notes=notes), messages


def _use_custom(raw_state: dict[str, Any], custom: Mapping[str, tuple[str, str]]) -> None:
    """Scene places named after the deck's custom places -> their ids, with their
    definitions (``cp`` tokens) added so the scene's link reopens them anywhere."""
    if not custom:
        return
    tokens: list[str] = []
    for key in ("p", "r", "bm"):
        value = raw_state.get(key)
        items = [str(i).strip() for i in (value if isinstance(value, list)
                                          else str(value).split(",") if value else [])]
        if not any(i in custom for i in items):
            continue
        ids = [custom[i][0] if i in custom else i for i in items]
        raw_state[key] = ids if key == "p" else ids[0]
        tokens += [custom[i][1] for i in items if i in custom and custom[i][1] not in tokens]
    if tokens:
        raw_state[url_state.CUSTOM] = tokens


def _custom_places(raw: Any) -> tuple[dict[str, tuple[str, str]], tuple[dict[str, Any], ...],
                                      list[str]]:
    """The deck's ``custom_places`` (name and members) -> ({name or id: (id, token)},
    specs, messages). Never raises; without the data snapshot they are skipped."""
    if raw is None:
        return {}, (), []
    if not isinstance(raw, list):
        return {}, (), ["'custom_places' should be a list of places with a name and members; "
                        "it was ignored."]
    try:
        from explorer import custom_places as cpl

        specs, messages = cpl.specs_from_list(raw[:20])
        tokens: dict[str, tuple[str, str]] = {}
        kept: list[dict[str, Any]] = []
        for name, members in specs:
            try:
                cp = cpl.build(name, members)
            except cpl.CustomPlaceError as exc:
                messages.append(f"Custom place '{_short(name)}': {exc}")
                continue
            tokens[cp.place.id] = tokens[cp.place.name] = (cp.place.id, cp.token)
            kept.append({"name": cp.place.name, "members": list(cp.codes)})
    except Exception:  # scene files must load even without the data snapshot
        return {}, (), ["The custom places of this scene list could not be read."]
    return tokens, tuple(kept), messages


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


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python objects) with budgets checked while the file is
    *composed*, before any value is built: nesting depth, number of aliases, and the number
    of nodes after alias expansion (counted on the node graph, never expanded)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise SceneFileError(f"The scene list uses more than {MAX_ALIASES} YAML "
                                     "aliases ('*name'); a scene list needs none.")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise SceneFileError(f"The scene list is nested more than {MAX_DEPTH} levels "
                                 "deep; a scene list needs about five.")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _bounded_number(kind: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    base = yaml.SafeLoader.yaml_constructors[f"tag:yaml.org,2002:{kind}"]

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            raise SceneFileError(f"A number in the scene list has more than "
                                 f"{MAX_NUMBER_CHARS} characters (line {node.start_mark.line + 1})"
                                 "; put it in quotes if it is meant as text.")
        return base(loader, node)

    return construct


for _kind in ("int", "float"):
    _LimitedLoader.add_constructor(f"tag:yaml.org,2002:{_kind}", _bounded_number(_kind))


def _expanded_size(root: yaml.Node) -> int:
    """Nodes in the document once aliases are expanded, computed on the shared node graph
    (linear in its size); raises when over budget or when a node contains itself."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise SceneFileError("The scene list refers to itself (a YAML alias inside its "
                                 "own anchor).")
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        stack_total = total
        for child in children:
            stack_total += size(child)
            if stack_total > MAX_NODES:
                break
        active.discard(key)
        sizes[key] = stack_total
        if stack_total > MAX_NODES:
            raise SceneFileError(f"The scene list expands to more than {MAX_NODES:,} entries "
                                 "(YAML aliases repeating other entries); a scene list has a "
                                 "few hundred.")
        return stack_total

    return size(root)


def safe_yaml(text: str) -> Any:
    """YAML text -> plain data, within the budgets above. Raises :class:`SceneFileError`
    for a file over budget and ``yaml.YAMLError`` for one that is not YAML."""
    loader = _LimitedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _expanded_size(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()



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
        data = safe_yaml(text)
    except SceneFileError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" near line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        raise SceneFileError(f"The scene list could not be read{where}: "
                             f"{plain_text.shorten(problem, 120)}. Check the indentation and "
                             "that text containing ':' is in quotes.") from exc
    except (ValueError, RecursionError, MemoryError, TypeError) as exc:  # defensive
        raise SceneFileError("The scene list could not be read: it is not a plain list of "
                             "scenes.") from exc
    if isinstance(data, list):
        data = {"scenes": data}
    if not isinstance(data, Mapping) or not isinstance(data.get("scenes"), list):
        raise SceneFileError("This is not a scene list: it needs a 'scenes:' entry holding a "
                             "list of scenes, each with a title, a page and link settings. "
                             "Download the built-in list to see the format.")
    raw_scenes = data["scenes"]
    custom, custom_specs, messages = _custom_places(data.get("custom_places"))
    if len(raw_scenes) > MAX_SCENES:
        messages.append(f"Only the first {MAX_SCENES} of {len(raw_scenes)} scenes were loaded.")
        raw_scenes = raw_scenes[:MAX_SCENES]
    scenes: list[Scene] = []
    for number, raw in enumerate(raw_scenes, start=1):
        scene, problems = scene_from_dict(raw, number, check_places, custom)
        messages += problems
        if scene is not None:
            scenes.append(scene)
    if not scenes:
        raise SceneFileError("No usable scene in this file. " + " ".join(messages[:3]))
    title = " ".join(str(data.get("title") or "").split())[:MAX_TITLE] or "Scenes"
    return SceneDeck(title=title, scenes=tuple(scenes), origin=origin,
                     custom_places=custom_specs), messages


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
    custom: list[dict[str, Any]] = []
    if isinstance(deck, SceneDeck):
        title = title or deck.title
        scenes = deck.scenes
        custom = [dict(c) for c in deck.custom_places]
    else:
        scenes = tuple(deck)
    body: dict[str, Any] = {"title": title or "Scenes"}
    if custom:
        body["custom_places"] = custom
    body["scenes"] = [s.to_dict() for s in scenes]
    # YAML reads NEL and the Unicode line/paragraph separators as line breaks: escape all
    # non-ASCII when one of them is present, so what a facilitator typed survives exactly.
    plain = not any(ch in yaml.dump(body, Dumper=_Dumper, allow_unicode=True)
                    for ch in ("\x85", "\u2028", "\u2029"))
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=plain, width=96)
    return HEADER.format(pages=", ".join(PAGES)) + text
