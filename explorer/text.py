"""User-supplied text shown as plain text: shortened, single-line, collapsed, escaped.

Why: Streamlit renders alerts, captions and ``st.markdown`` as Markdown, so a link value such
as ``![t](http://host/track.png)`` would make every visitor's browser fetch an outside image
(a tracking beacon, and a broken offline promise), and ``[Log in](http://…)`` would put a
clickable link inside the app's own alert.

The convention: messages built in ``explorer/`` are plain text, with user values cleaned and
shortened (:func:`quote`, :func:`listed`); the UI escapes the whole message when it shows it
(:func:`escape_markdown`, or :func:`plain` for a bare value), so nothing is escaped twice
and CSV/CLI output carries no backslashes.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Iterable

#: Longest user value echoed in a message; the rest is replaced by "…".
SHORT = 40
_SPACE = re.compile(r"\s+")


def clean(value: object) -> str:
    """One line of printable text: control and format characters (bidi overrides, zero-width
    joiners) removed, runs of whitespace (incl. NEL, U+2028) collapsed to one space."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf")
                   or ch in "\t\n\r")
    return _SPACE.sub(" ", text).strip()


def shorten(value: object, limit: int = SHORT) -> str:
    """``clean`` and cut to ``limit`` characters (the cut marked with "…")."""
    text = clean(value)
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


#: Where a word joiner (invisible) goes so that nothing becomes a link or an icon: inside
#: ``://``, ``www.`` and before ``@`` (GFM autolinks), and after the first colon of a
#: ``:shortcode:`` (emoji, ``:material/…:`` icons). Ordinary colons ("link: x") stay as typed,
#: so the text reads, copies and matches as written.
_LINKISH = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)|(?<=:)(?=[\w+/-]+:)", re.IGNORECASE)
_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """One line of text -> Markdown that displays exactly it: no HTML, links, images, maths,
    autolinks or icon shortcodes (characters escaped by the project's one escaper,
    ``explorer.notes``)."""
    from explorer.notes import escape_markdown as escape

    return _LINKISH.sub(_JOINER, escape(clean(text), plain_addresses=False))


def plain(value: object, limit: int = SHORT) -> str:
    """A user string safe to embed in Markdown: cleaned, shortened and escaped."""
    return escape_markdown(shorten(value, limit))


def quote(value: object, limit: int = SHORT) -> str:
    """``'value'`` for plain-text messages ("unknown place 'x'"): cleaned and shortened (the
    UI escapes the whole message)."""
    return f"'{shorten(value, limit)}'"


def listed(values: Iterable[object], most: int = 5, limit: int = SHORT) -> str:
    """``'a', 'b', 'c' and 7 more``: many user values in one message, not one box each."""
    items = list(dict.fromkeys(shorten(v, limit) for v in values))
    shown = ", ".join(quote(v, limit) for v in items[:most])
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return shown + more


def dedupe(messages: Iterable[str]) -> list[str]:
    """Messages in order with repeats removed (a warning is shown once, not per row)."""
    return list(dict.fromkeys(messages))


def wrap(text: str | list[str], width: int, *, whole_words: bool = False) -> list[str]:
    """Text broken into lines of at most ``width`` characters, at spaces (never after a
    hyphen: the page shows a title's lines joined by spaces, and "need-weighted" came out
    as "need- weighted"); with ``whole_words`` a word longer than ``width`` keeps a line of
    its own (runs of spaces count as one): the one line breaker of chart titles, axis and
    legend titles."""
    parts = [text] if isinstance(text, str) else list(text)
    if whole_words:
        return [line for part in parts for line in textwrap.wrap(
            " ".join(part.split()), width, break_long_words=False, break_on_hyphens=False)]
    return [line for part in parts
            for line in (textwrap.wrap(part, width, break_on_hyphens=False) or [""])]
