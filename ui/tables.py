"""Table twins as people read them: one formatter for every table on screen.

* integers with thousands separators (1,977,903), decimals at a fixed precision per column;
* percentages from fractions at the precision the charts use (``explorer.charts.pct``, one
  decimal), so a table never says 56.97% beside its chart's 57.0%;
* a missing value is an em dash (read out as "no value"), never None, nan or NaT;
* cells wrap rather than being cut; the table scrolls sideways and down inside its own box
  (a phone never scrolls the page sideways), with the header row kept in view;
* every cell is plain text (user strings are escaped, never HTML).

``columns`` maps a frame column to a :class:`Col`; columns not named are shown as text, or
as numbers when numeric. The CSV downloads keep the raw values; this is presentation only.
"""

from __future__ import annotations

import contextlib
import html
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from explorer.charts import cached

MISSING = "—"
MISSING_HTML = (f"<span aria-hidden='true'>{MISSING}</span>"
                "<span class='hee-sr-only'>no value</span>")
KINDS = ("text", "short", "long", "int", "num", "pct", "rank", "link", "source")
#: Above this many rows the HTML would weigh megabytes: the caller should page or summarise.
MAX_ROWS = 3_000


@dataclass(frozen=True)
class Col:
    """How one column is shown: ``kind`` text | short (text kept on one line: a value with
    its unit, an interval, a period) | long (a sentence or two: a note; twice the measure
    of other text in a wide table, so its rows are not four lines tall) | int | num |
    pct (a fraction) | rank | link (an in-app path such as ``/trends?p=…``, drawn as a
    link reading ``label`` or "Open") | source (a publisher's https page from the snapshot
    manifest, opened in a new tab)."""

    kind: str = "text"
    digits: int = 1
    label: str | None = None
    text: str = "Open"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; one of {KINDS}")


INT = Col("int")
PCT = Col("pct")
RANK = Col("rank")
TEXT = Col("text")
SHORT = Col("short")
LONG = Col("long")


def link(text: str = "Open") -> Col:
    """An in-app link column (only paths on this app: ``/page?…``, never another host)."""
    return Col("link", 0, None, text)


#: A publisher's page (the manifest's official URLs): the address itself is the link text.
SOURCE = Col("source")


def num(digits: int = 1, label: str | None = None) -> Col:
    return Col("num", digits, label)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False


def format_cell(value: Any, col: Col = TEXT) -> str:
    """One value as shown (plain text, not yet escaped); missing -> :data:`MISSING`."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str) and col.kind in ("text", "short", "long", "source"):
        text = value.strip()
        return text if text and text.lower() not in ("none", "nan", "nat") else MISSING
    try:
        if col.kind in ("int", "rank"):
            return f"{round(float(value)):,}"
        if col.kind == "num":
            return f"{float(value):,.{col.digits}f}"
        if col.kind == "pct":
            return f"{float(value) * 100:.{col.digits}f}%"
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return str(value)


def infer(series: pd.Series) -> Col:
    """A column not described by the caller: integers with separators, other numbers at one
    decimal, everything else as text."""
    if pd.api.types.is_bool_dtype(series):
        return TEXT
    if pd.api.types.is_integer_dtype(series):
        return INT
    if pd.api.types.is_float_dtype(series):
        values = series.dropna()
        if len(values) and (values == values.round()).all():
            return INT
        return num(1)
    return TEXT


def columns_of(df: pd.DataFrame, columns: Mapping[str, Col] | None = None) -> dict[str, Col]:
    given = dict(columns or {})
    return {c: given.get(c) or infer(df[c]) for c in df.columns}


def formatted(df: pd.DataFrame, columns: Mapping[str, Col] | None = None) -> pd.DataFrame:
    """The frame as the strings shown on screen (headers renamed by ``Col.label``)."""
    cols = columns_of(df, columns)
    out = pd.DataFrame({(cols[c].label or c): [format_cell(v, cols[c]) for v in df[c]]
                        for c in df.columns}, index=range(len(df)))
    return out


def _link(path: str, text: str) -> str:
    """An anchor for an in-app path; anything else (another host, a script) as plain text."""
    if not path.startswith("/") or path.startswith("//") or any(ch.isspace() for ch in path):
        return html.escape(path)
    return (f"<a href='{html.escape(path, quote=True)}' target='_self'>"
            f"{html.escape(text)}</a>")


def _source(url: str) -> str:
    """An anchor for a publisher's https page, read as its address; anything else as text.
    Only for the manifest's URLs (written by the build), never for user input."""
    if not url.startswith("https://") or any(ch.isspace() or ch in "<>'\"" for ch in url):
        return html.escape(url)
    return (f"<a href='{html.escape(url, quote=True)}' target='_blank' "
            f"rel='noopener noreferrer'>{html.escape(url)}</a>")


def to_html(df: pd.DataFrame, columns: Mapping[str, Col] | None = None, *,
            caption: str | None = None, label: str = "Table", max_height: int | None = 420,
            prose: bool = False, wide: bool = False) -> str:
    """An accessible HTML table in a box that scrolls inside itself. ``prose``: a table of
    sentences (sources, definitions): text columns get a readable width instead of the
    browser's squeeze of the short ones, and long addresses break. ``wide``: a table of many
    columns with notes (Compare's indicators): every column as wide as its text needs, up to
    a readable measure, and the box scrolls sideways, rather than seventeen columns squeezed
    into the page's width and rows a dozen lines tall."""
    cols = columns_of(df, columns)
    names = list(df.columns)
    numeric = {c: cols[c].kind not in ("text", "short", "long", "link", "source")
               for c in names}
    kind_class = {c: cols[c].kind + " " if cols[c].kind in ("short", "long") else ""
                  for c in names}
    head = "".join(f"<th scope='col' class='{'num' if numeric[c] else ''}'>"
                   f"{html.escape(str(cols[c].label or c))}</th>" for c in names)
    rows = []
    values = [df[c].tolist() for c in names]
    for i in range(min(len(df), MAX_ROWS)):
        cells = []
        for j, c in enumerate(names):
            text = format_cell(values[j][i], cols[c])
            cls = (("num " if numeric[c] else "") + kind_class[c]
                   + ("missing" if text == MISSING else ""))
            if text == MISSING:
                body = MISSING_HTML
            elif cols[c].kind == "link":
                body = _link(text, cols[c].text)
            elif cols[c].kind == "source":
                body = _source(text)
            else:  # whitespace collapsed: a blank line would end the HTML block
                body = html.escape(" ".join(text.split()))
            cells.append(f"<td class='{cls.strip()}'>{body}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f" Showing the first {MAX_ROWS:,} of {len(df):,} rows; the CSV has them all."
            if len(df) > MAX_ROWS else "")
    cap = (caption or "") + more
    style = f" style='max-height:{max_height}px'" if max_height else ""
    return (f"<div class='hee-table-wrap' role='region' tabindex='0' "
            f"aria-label='{html.escape(label, quote=True)}'{style}>"
            f"<table class='hee-table{' hee-prose' if prose else ''}"
            f"{' hee-wide' if wide else ''}'>"
            + (f"<caption>{html.escape(cap)}</caption>" if cap.strip() else "")
            + f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


#: Table HTML kept (by content), least recently used out first.
_HTML_MAX = 128


@cached(_HTML_MAX, share=lambda text: text)
def _cached_html(df: pd.DataFrame, columns: tuple[tuple[str, Col], ...], caption: str | None,
                 label: str, max_height: int | None, prose: bool = False,
                 wide: bool = False) -> str:
    return to_html(df, dict(columns), caption=caption, label=label, max_height=max_height,
                   prose=prose, wide=wide)


def _html(df: pd.DataFrame, columns: Mapping[str, Col] | None, caption: str | None,
          label: str, max_height: int | None, prose: bool = False, wide: bool = False) -> str:
    """:func:`to_html`, made once per table content and options and shared by every session
    (HTML text is immutable; a table of 60 rows costs 10-20 ms of escaping a run)."""
    return _cached_html(df, tuple((columns or {}).items()), caption, label, max_height, prose,
                        wide)


def show(df: pd.DataFrame, columns: Mapping[str, Col] | None = None, *,
         caption: str | None = None, label: str = "Table", max_height: int | None = 420,
         prose: bool = False, wide: bool = False) -> None:
    """Draw a table twin with the shared formatting (see the module docstring)."""
    if df.empty:
        st.caption("No rows to show.")
        return
    st.markdown(_html(df, columns, caption, label, max_height, prose, wide),
                unsafe_allow_html=True)


def same_columns(names: Sequence[str], col: Col) -> dict[str, Col]:
    """The same formatting for several columns (e.g. every decile column)."""
    return dict.fromkeys(names, col)


#: Arrow forms of shared frames (a cached view's table), by frame object: at most this many.
ARROW_CACHE = 256
_arrow_tables: OrderedDict[int, tuple[pd.DataFrame, Any]] = OrderedDict()
_arrow_lock = threading.Lock()


def arrow(df: pd.DataFrame) -> Any:
    """The ``pyarrow.Table`` Streamlit makes of ``df`` for ``st.dataframe`` (its own
    conversion), made once per frame *object*: for the shared, read-only frames of cached
    views, which are the same object on every rerun of every session. Streamlit converts a
    DataFrame on every call (2-7 ms a table, every run); handed the table, it only writes it
    out, and the bytes are the same. The entry keeps the frame alive, so an id is never
    reused while it is cached."""
    from streamlit import dataframe_util

    key = id(df)
    with _arrow_lock:
        hit = _arrow_tables.get(key)
        if hit is not None and hit[0] is df:
            _arrow_tables.move_to_end(key)
            return hit[1]
    table = dataframe_util.convert_pandas_df_to_arrow_table(df)
    with _arrow_lock:
        _arrow_tables[key] = (df, table)
        while len(_arrow_tables) > ARROW_CACHE:
            _arrow_tables.popitem(last=False)
    return table


def grid(data: Any, **kwargs: Any) -> Any:
    """``st.dataframe`` with a missing cell read as the tables' em dash (Streamlit's grid
    draws a greyed "None" otherwise): every grid on screen goes through here."""
    kwargs.setdefault("placeholder", MISSING)
    return st.dataframe(data, **kwargs)


@contextlib.contextmanager
def on_demand(label: str, key: str) -> Iterator[bool]:
    """An expander whose content is made and sent only while it is open: ``with
    on_demand(label, key) as is_open: if is_open: ...``. Streamlit sends a closed
    expander's content too; the At a glance twin (2,100 rows) was 735 of the page's 926 kB
    on every visit, England's practices grid ~210 kB. Opening it reruns the script (its
    state is Streamlit's, under ``key``)."""
    box = st.expander(label, key=key, on_change="rerun")
    with box:
        yield bool(box.open)


def dataframe(df: pd.DataFrame, **kwargs: Any) -> Any:
    """:func:`grid` of a shared, read-only frame (a cached view's table), through
    :func:`arrow`."""
    return grid(arrow(df), **kwargs)
