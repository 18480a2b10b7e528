"""Exports for the slide pack: CSV with a provenance header, PNG/SVG charts made offline."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import textwrap
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import altair as alt
import pandas as pd

from explorer import chart_data
from explorer.text import wrap

T = TypeVar("T")

APP_NAME = "Health Equity Explorer (North West England)"


def provenance_lines(title: str, sources: Iterable[str], link: str | None = None,
                     notes: Iterable[str] = ()) -> list[str]:
    lines = [title, *[s for s in sources if s], *notes]
    if link:
        lines.append(f"View: {link}")
    lines.append(f"Exported from the {APP_NAME}; figures derived from the bundled snapshot "
                 "(data/snapshot/manifest.json).")
    return lines


#: Cells a spreadsheet would run as a formula (CSV injection): =, +, -, @, tab, CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")


def defuse(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe
    (OWASP's advice), so ``=HYPERLINK(…)`` in an uploaded name stays text in Excel.
    Numbers, and text that is just a signed number ("-3.5"), are left as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.match(value.strip()):
        return value
    return "'" + value


def defuse_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`defuse` on every text cell and on the column names (a copy)."""
    out = df.copy()
    out.columns = [defuse(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(defuse)
    return out


def csv_with_provenance(df: pd.DataFrame, title: str, sources: Iterable[str],
                        link: str | None = None, notes: Iterable[str] = ()) -> str:
    """CSV whose first lines (prefixed ``#``) say what the numbers are and where from.

    Guarded against formula injection: the ``#`` lines cannot start a formula, and every
    text cell and header that could is defused (:func:`defuse`)."""
    buf = io.StringIO()
    for line in provenance_lines(title, sources, link, notes):
        buf.write("# " + " ".join(str(line).split()) + "\n")
    defuse_frame(df).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


#: Altair's data transformer and theme are process-global, and Streamlit switches them
#: (under its own lock) while it draws a chart for any session. A conversion done outside
#: that lock can pick up another session's transformer: its dataset, or none at all.
_own_lock = threading.Lock()


def _altair_lock() -> contextlib.AbstractContextManager:
    """Streamlit's Altair lock when Streamlit is running in this process (without importing
    Streamlit here), else a lock of our own."""
    module = sys.modules.get("streamlit.elements.vega_charts")
    lock = getattr(module, "_altair_globals_lock", None)
    return lock if lock is not None else _own_lock


@contextlib.contextmanager
def _baseline(transformer: str = chart_data.NAME) -> Iterator[None]:
    """A data transformer with no row limit (exports hold every row) and Altair's default
    theme, for the duration of one conversion. :mod:`explorer.chart_data`'s transformer
    makes the same values as Altair's default, faster."""
    with alt.data_transformers.enable(transformer, max_rows=None), alt.theme.enable("default"):
        yield


#: Attribute holding a shared chart's converted texts (see :func:`share`).
_MEMO = "_hee_spec_texts"


def share(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Mark a chart as shared and never changed after it was built (a cached builder's
    result, :func:`explorer.charts.cached`): its spec is then converted once (checked
    against the schema where :func:`validating`), and every later :func:`chart_dict`,
    :func:`chart_json` and :func:`derived` text is read back from that (a conversion with
    the check costs 0.05-0.5 s of CPU per chart)."""
    object.__setattr__(chart, _MEMO, {})
    return chart


def _memo(chart: object) -> dict | None:
    return getattr(chart, "__dict__", {}).get(_MEMO)


def is_shared(chart: object) -> bool:
    """Whether :func:`share` marked this chart."""
    return _memo(chart) is not None


def derived(chart: alt.TopLevelMixin, key: object, make: Callable[[], T]) -> T:
    """``make()``, a text (or a tuple of texts and bytes) made from ``chart`` alone; made once
    per ``key`` for a shared chart (immutable, so every caller may keep the one copy)."""
    memo = _memo(chart)
    if memo is None:
        return make()
    text = memo.get(key)
    if text is None:
        text = memo.setdefault(key, make())
    return text


#: Altair checks a spec against the Vega-Lite JSON schema when it converts it: most of a
#: conversion's CPU (0.05-0.5 s a chart), paid by every new place combination a room asks
#: for. The tests convert every chart builder's output with the check on
#: (``tests/conftest.py`` sets this to 1, inherited by the servers they start); a server
#: skips it unless the variable says 1.
VALIDATE_ENV = "HEE_VALIDATE_CHARTS"


def validating() -> bool:
    """Whether conversions check the spec against the schema (:data:`VALIDATE_ENV`)."""
    return os.environ.get(VALIDATE_ENV, "0") == "1"


def _schema_checks_at_construction() -> None:
    """Altair also checks every schema object against the JSON schema as it is *made*
    (``alt.Axis(...)``, ``alt.Scale(...)``, a title, a mark: its ``DEBUG_MODE``, on by
    default): py-spy put that at 5 % of a busy server's script CPU on 7 Dec. The same switch
    as the conversion's check: on in the tests (better tracebacks, every builder checked),
    off on a server."""
    from altair.utils import schemapi

    if validating():
        schemapi.enable_debug_mode()
    else:
        schemapi.disable_debug_mode()


_schema_checks_at_construction()


@contextlib.contextmanager
def _copy_without_rebuild(chart: alt.TopLevelMixin) -> Iterator[None]:
    """Altair's ``to_dict`` starts from ``chart.copy(deep=False)``, and a layered chart's
    shallow copy is made by running ``LayerChart.__init__`` again, which deep-copies every
    layer twice (to lift and de-duplicate parameters): ~4 % of a busy server's script CPU.
    The chart was made by that constructor, so running it again changes nothing; for one
    conversion its shallow copy takes the same arguments without it. The tests' reference
    conversion (:func:`_convert` with :func:`validating`) runs without this and must give
    the same spec."""
    if not isinstance(chart, alt.LayerChart):
        yield
        return
    own = type(chart).copy

    def copy(deep: bool | Iterable[object] = True, ignore: list[str] | None = None,
             ) -> alt.LayerChart:
        if deep is not False:
            return own(chart, deep, ignore)
        new = object.__new__(type(chart))
        object.__setattr__(new, "_args", chart._args)
        object.__setattr__(new, "_kwds", dict(chart._kwds))
        return new

    object.__setattr__(chart, "copy", copy)
    try:
        yield
    finally:
        object.__delattr__(chart, "copy")


#: Values Altair's ``_todict`` returns unchanged: these exact types (not subclasses such as
#: NumPy's float64, which it converts).
_LEAF_TYPES = frozenset({str, int, float, bool, type(None)})


@contextlib.contextmanager
def _leaves_first() -> Iterator[None]:
    """Altair's ``_todict`` walks every value of a spec and puts each plain string and number
    through ten type checks before returning it unchanged, one of them ``isinstance`` against
    a runtime-checkable ``Protocol`` (``SchemaLike``, slow by design): ~10 % of a new Compare
    view's CPU. For one conversion the walk returns those values first. The tests' reference
    conversion (:func:`_convert` with :func:`validating`) runs without this and must give the
    same spec."""
    from altair.utils import schemapi

    own = schemapi._todict

    def todict(obj: Any, context: dict[str, Any] | None, np_opt: Any, pd_opt: Any) -> Any:
        if type(obj) in _LEAF_TYPES:
            return obj
        return own(obj, context, np_opt, pd_opt)

    schemapi._todict = todict
    try:
        yield
    finally:
        schemapi._todict = own


def _convert(chart: alt.TopLevelMixin) -> dict:
    with _altair_lock():
        with _baseline(), chart_data.one_conversion(), _copy_without_rebuild(chart), \
                _leaves_first():
            spec = chart.to_dict(validate=validating())
        if validating():  # the tests: the fast values must be Altair's own, exactly
            with _baseline("default"):
                reference = chart.to_dict(validate=False)
            if spec != reference:
                where = _first_difference(spec, reference)
                raise AssertionError("explorer.chart_data made other values than Altair for "
                                     f"a {type(chart).__name__}: {where}")
    return spec


def _first_difference(a: object, b: object, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k, "<absent>") != b.get(k, "<absent>"):
                return _first_difference(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}/{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}/{i}")
    return f"{path}: {a!r:.120} != {b!r:.120}"


def chart_dict(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec with its own data inline; safe while other threads draw
    charts (the whole conversion runs under the lock Streamlit uses). A new dict on every
    call: callers may change it."""
    if _memo(chart) is None:
        return _convert(chart)
    return json.loads(derived(chart, "spec", lambda: json.dumps(_convert(chart))))


def chart_json(chart: alt.TopLevelMixin) -> str:
    """:func:`chart_dict` as JSON text (the cache key of the PNG/SVG exports)."""
    return derived(chart, "json", lambda: json.dumps(chart_dict(chart), sort_keys=True,
                                                     separators=(",", ":")))


def _fix_width(spec: dict, width: int) -> None:
    """Exports have no container: give 'container' widths a fixed size."""
    if spec.get("width") == "container":
        spec["width"] = width
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for sub in spec.get(key, []) or []:
            if isinstance(sub, dict):
                _fix_width(sub, width)


def _rewrap_title(spec: dict, width: int) -> None:
    """The title and subtitle wrapped to the export's width. Why: builders wrap them for the
    narrowest box (38 characters, a phone), and a 900 px slide image had a tall title in
    its left third. Lines are joined with spaces first (titles never break after a hyphen,
    so nothing is lost)."""
    title = spec.get("title")
    if not isinstance(title, dict):
        return
    for key, px_per_char in (("text", 10.0), ("subtitle", 7.5)):
        lines = title.get(key)
        if isinstance(lines, list) and len(lines) > 1:
            title[key] = wrap(" ".join(str(line) for line in lines), int(width / px_per_char))


def with_footer(spec: dict | str, footer: str, width: int = 900) -> dict:
    """Put the source/vintage/licence line under the chart, so a pasted image keeps it."""
    inner = json.loads(spec) if isinstance(spec, str) else json.loads(json.dumps(spec))
    outer: dict = {"$schema": inner.pop("$schema", "https://vega.github.io/schema/vega-lite/v6.json")}
    for key in ("config", "datasets"):
        if key in inner:
            outer[key] = inner.pop(key)
    _fix_width(inner, width)
    _rewrap_title(inner, width)
    outer["vconcat"] = [inner]
    outer["title"] = {"text": textwrap.wrap(footer, 150) or [""], "orient": "bottom",
                      "anchor": "start", "fontSize": 11, "fontWeight": "normal",
                      "color": "#333333"}
    outer["background"] = "white"
    outer["padding"] = 12
    return outer


def _spec(chart: alt.TopLevelMixin | dict | str) -> dict | str:
    return chart_dict(chart) if hasattr(chart, "to_dict") else chart


def chart_png(chart: alt.TopLevelMixin | dict | str, footer: str, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(with_footer(_spec(chart), footer), scale=scale)


def chart_svg(chart: alt.TopLevelMixin | dict | str, footer: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(with_footer(_spec(chart), footer))
