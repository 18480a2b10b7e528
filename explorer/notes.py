"""Panel notes: what the panel said about each scene, kept next to the evidence.

A note carries its scene's number, title and link, so an export is readable on its own even
after the scene list has been edited. Notes are typed by people, so they are *text*: every
function that puts a note into Markdown escapes it (a note that says ``<img src=...>`` or
``[click](http://...)`` must show those characters, never an image or a link), and the CSV
export guards against spreadsheet formulas (``=HYPERLINK(...)``).

Serialisation (:func:`to_json` / :func:`from_json`) is the format kept in the browser's
storage; reading it never raises, because browser storage can hold anything.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: Kinds of note, in the order the facilitator picks them.
KINDS: dict[str, str] = {
    "said": "What the panel said",
    "question": "Question",
    "decision": "Decision",
    "good": "What does good look like",
    "action": "Action",
}
MAX_TEXT = 5_000
MAX_NOTES = 1_000
FORMAT_VERSION = 1

#: Characters with a meaning in Markdown (CommonMark plus Streamlit's $maths$ and
#: :colour[text] directives). Each can be backslash-escaped in CommonMark.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~&$=\"'^])")
#: GitHub-flavoured Markdown turns bare addresses (http://…, www.…, name@host) into links,
#: and Streamlit turns :shortcodes: into emoji and icons, *after* escapes are decoded. An
#: invisible WORD JOINER after ':' and 'www' and before '@' breaks those patterns while the
#: text looks the same.
WORD_JOINER = "\u2060"
_ORDERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
#: A date or time stamp (digits, dashes, colons, a space or T, an optional zone): no markup.
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?(?: ?(?:UTC|Z))?")
_AUTOLINK = re.compile(r"(?<=:)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


@dataclass(frozen=True)
class Note:
    """One note attached to a scene (scene 0 = not tied to a scene)."""

    id: str
    scene: int
    scene_title: str
    link: str
    kind: str
    text: str
    created: str

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def new_note(text: str, kind: str, scene: int, scene_title: str, link: str, created: str,
             ) -> Note:
    """A new note; raises ValueError with a message for the facilitator if it is unusable."""
    text = text.strip()
    if not text:
        raise ValueError("The note is empty.")
    if len(text) > MAX_TEXT:
        raise ValueError(f"The note is {len(text):,} characters; the limit is {MAX_TEXT:,}. "
                         "Split it into two notes.")
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of note '{kind}'.")
    return Note(id=uuid.uuid4().hex[:12], scene=int(scene), scene_title=scene_title,
                link=link, kind=kind, text=text, created=created)


def for_scene(notes: Iterable[Note], scene: int, scene_title: str) -> list[Note]:
    """Notes of one scene: same number and title (a renumbered deck keeps notes apart)."""
    return [n for n in notes if n.scene == scene and n.scene_title == scene_title]


# --------------------------------------------------------------------------------------
# Storage format


def to_json(notes: Iterable[Note]) -> str:
    return json.dumps({"version": FORMAT_VERSION, "notes": [asdict(n) for n in notes]},
                      ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | None) -> tuple[list[Note], list[str]]:
    """Stored notes -> (notes, problems). Never raises: unreadable entries are skipped."""
    if not text:
        return [], []
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return [], ["Saved notes in this browser could not be read and were ignored."]
    items = data.get("notes") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return [], ["Saved notes in this browser are in an unknown format and were ignored."]
    notes: list[Note] = []
    skipped = 0
    for item in items[:MAX_NOTES]:
        note = _note_from(item)
        if note is None:
            skipped += 1
        else:
            notes.append(note)
    problems = [f"{skipped} saved note(s) could not be read and were skipped."] if skipped \
        else []
    return notes, problems


def _note_from(item: Any) -> Note | None:
    if not isinstance(item, dict):
        return None
    try:
        text = str(item["text"])[:MAX_TEXT]
        kind = str(item.get("kind", "said"))
        return Note(id=str(item.get("id") or uuid.uuid4().hex[:12])[:40],
                    scene=int(item.get("scene", 0)),
                    scene_title=str(item.get("scene_title", ""))[:200],
                    link=str(item.get("link", ""))[:2_000],
                    kind=kind if kind in KINDS else "said", text=text,
                    created=str(item.get("created", ""))[:40])
    except (KeyError, TypeError, ValueError):
        return None


def merge(first: Iterable[Note], second: Iterable[Note]) -> list[Note]:
    """Union by id, keeping order (stored notes first, then notes added since)."""
    out: dict[str, Note] = {}
    for note in [*first, *second]:
        out.setdefault(note.id, note)
    return list(out.values())[:MAX_NOTES]


# --------------------------------------------------------------------------------------
# Display and export


def escape_markdown(text: str, *, plain_addresses: bool = True) -> str:
    """Text -> Markdown that displays exactly that text: no HTML, links, images or maths.

    ``plain_addresses`` also stops bare addresses (http://…, www.…, a@b.org) becoming links
    and :shortcodes: becoming icons (see WORD_JOINER); exports turn it off, because a
    Markdown file is also read as plain text.
    Line breaks are kept as hard breaks so a multi-line note keeps its shape.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    escaped = _ORDERED.sub(r"\1\\.", escaped)  # "1. " at a line start is not a list
    if plain_addresses:
        escaped = _AUTOLINK.sub(WORD_JOINER, escaped)
    return "  \n".join(line.strip("\r") for line in escaped.split("\n"))


def _absolute(link: str, base: str) -> str:
    return f"{base.rstrip('/')}{link}" if base and link.startswith("/") else link


def to_markdown(notes: Iterable[Note], title: str, generated: str, base: str = "") -> str:
    """Notes grouped by scene, each scene with its link, every typed text escaped."""

    def esc(text: str) -> str:
        return escape_markdown(text, plain_addresses=False)

    def stamp(text: str) -> str:
        """Dates and times as written ("2026-12-01 11:00", not "2026\\-12\\-01"): they
        cannot hold markup; anything else (notes come back from browser storage) is escaped."""
        return text if _STAMP.fullmatch(str(text)) else esc(text)

    notes = list(notes)
    lines = [f"# Panel notes: {esc(title)}", "",
             f"Exported {stamp(generated)} from the Health Equity Explorer. "
             f"{len(notes)} note(s).", ""]
    groups: dict[tuple[int, str, str], list[Note]] = {}
    for note in sorted(notes, key=lambda n: (n.scene, n.created)):
        groups.setdefault((note.scene, note.scene_title, note.link), []).append(note)
    for (scene, scene_title, link), items in groups.items():
        heading = f"Scene {scene}: {scene_title}" if scene else (scene_title or "General")
        lines += [f"## {esc(heading)}", ""]
        if link:
            url = _absolute(link, base)
            # a link destination cannot hold spaces or angle brackets; ours are URL-encoded
            safe = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
            lines += [f"View: <{safe}>", ""]
        for note in items:
            body = esc(note.text).replace("  \n", "  \n  ")
            lines.append(f"- **{esc(note.kind_label)}** "
                         f"({stamp(note.created)}): {body}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = ("scene", "scene_title", "link", "kind", "note", "created")


def to_csv(notes: Iterable[Note], base: str = "") -> str:
    """One row per note with its scene and link (absolute when ``base`` is known)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for note in sorted(notes, key=lambda n: (n.scene, n.created)):
        writer.writerow([note.scene, _cell(note.scene_title), _absolute(note.link, base),
                         note.kind_label, _cell(note.text), note.created])
    return buf.getvalue()
