"""The one way a chart reaches the screen: :func:`show`.

Chart builders (``explorer/charts.py``) return Altair charts with a finding title; exports
keep them exactly as built. On screen, :func:`show` adds what a browser needs:

* the **title and subtitle as text above the chart** (Vega cuts a long title with "…" at the
  chart's width; HTML text wraps at any width and follows the presentation type size);
* a **text alternative that states the finding**: Vega's ``description`` (the SVG's
  ``aria-label``) and Streamlit's ``alt``, both the title and subtitle unless given;
* axis labels limited by the **width of the chart's box** (a fixed 320 px label column leaves
  no plot on a phone);
* in presentation mode, **chart text scaled** to at least 20 px.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

import altair as alt
import streamlit as st

from explorer import exports
from explorer.charts import FONT_SIZE, PHONE, on_phone, wrap
from ui import present
from ui.theme import PRESENT_CHART_SCALE

#: Keys whose numbers are font sizes anywhere in a Vega-Lite spec.
FONT_KEYS = frozenset({"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"})
#: Axis labels may take at most this share of the chart's box, never less than the minimum.
LABEL_SHARE = 0.4
LABEL_MIN_PX = 90
LABEL_MAX_PX = 320
#: Axis titles longer than this are drawn on several lines.
AXIS_TITLE_CHARS = 30
#: Boxes narrower than this (a phone, the map's side panel) get one legend column.
NARROW_PX = 420
#: Characters of a y-axis label's line on a phone (its label column is ~150 px of a 390 px
#: screen at 14 px type); longer labels take two lines there instead of "Health depri…".
PHONE_LABEL_CHARS = 21
PHONE_LABEL_LINES = 2
#: Rows at least this many times the type size apart have room for a two-line label.
TWO_LINE_STEP = 2.5
#: The share of a grouped (y-offset) row that is padding.
OFFSET_ROW_PADDING = 0.2


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v)
    return "" if value is None else str(value)


def title_parts(spec: dict) -> tuple[str, str]:
    """(title, subtitle) of a spec's top-level title, as plain text."""
    title = spec.get("title")
    if isinstance(title, dict):
        return _text(title.get("text")), _text(title.get("subtitle"))
    return _text(title), ""


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def scale_fonts(node: Any, factor: float) -> Any:
    """Every font size in a spec multiplied by ``factor`` (rounded), steps too so rows grow
    with their labels, and a legend's pixel label limit so its labels keep their characters
    ('not compa…' at 1.55 times the font). Axis label limits are :func:`limit_labels`'."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if _is_number(v) and (k in FONT_KEYS or k == "step"):
                out[k] = round(v * factor)
            elif k == "legend" and isinstance(v, dict) and _is_number(v.get("labelLimit")):
                out[k] = {**scale_fonts(v, factor), "labelLimit": round(v["labelLimit"] * factor)}
            else:
                out[k] = scale_fonts(v, factor)
        return out
    if isinstance(node, list):
        return [scale_fonts(v, factor) for v in node]
    return node


def wrap_words(text: str, width: int = AXIS_TITLE_CHARS) -> list[str] | str:
    """A long axis or legend title as lines of at most ``width`` characters, broken at spaces
    (Vega-Lite draws a list as lines); short titles unchanged."""
    return text if len(text) <= width else wrap(text, width, whole_words=True)


def wrap_titles(node: Any, width: int = AXIS_TITLE_CHARS) -> Any:
    """Every encoding channel's title in a spec wrapped by :func:`wrap_words`, so axis titles
    fit a phone-width chart instead of running past its edges."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "encoding" and isinstance(v, dict):
                out[k] = {ch: ({**d, "title": wrap_words(d["title"], width)}
                               if isinstance(d, dict) and isinstance(d.get("title"), str)
                               else wrap_titles(d, width)) for ch, d in v.items()}
            else:
                out[k] = wrap_titles(v, width)
        return out
    if isinstance(node, list):
        return [wrap_titles(v, width) for v in node]
    return node


def phone_label_lines(labels: list[str], chars: int = PHONE_LABEL_CHARS,
                      lines: int = PHONE_LABEL_LINES) -> dict[str, list[str]]:
    """The labels too long for one line of a phone's label column, each as at most
    ``lines`` lines (the last one may still end in "…" at the label limit)."""
    out: dict[str, list[str]] = {}
    for label in labels:
        if len(label) > chars:
            parts = wrap(label, chars, whole_words=True)
            out[label] = [*parts[:lines - 1], " ".join(parts[lines - 1:])]
    return out


def phone_label_axis(labels: list[str], chars: int = PHONE_LABEL_CHARS,
                     font_px: float = FONT_SIZE) -> dict:
    """Axis properties: long category labels on two lines in a phone-width box, centred on
    their row (raised half a line), one line elsewhere (exports have no box: one line).
    Empty when every label fits."""
    lines = phone_label_lines(labels, chars)
    if not lines:
        return {}
    table = json.dumps(lines, ensure_ascii=False)
    two = f"{PHONE} && isValid({table}[datum.label])"
    return {"labelExpr": f"{two} ? {table}[datum.label] : datum.label",
            "labelOffset": {"expr": f"{two} ? {-round(font_px / 2)} : 0"}}


def fit_encoding(enc: dict, top: int, scale: float = 1.0, step: float | None = None) -> dict:
    """One layer's encoding made to fit its box: category labels on y limited to a share of
    the box (the plot keeps its width on a phone) and, on a phone, long ones on two lines
    where rows are ``step`` px apart with room for two (fewer characters when the type is
    ``scale`` times larger: presenting; Vega hides labels that overlap), the x-axis
    title ending at the plot's right edge (it runs left over the labels instead of past the
    chart's edge), and legends in two columns on a phone (one row of ten deciles is wider
    than the screen). Vega expressions follow the box the chart is drawn in."""
    out = dict(enc)
    y = out.get("y")
    if isinstance(y, dict) and y.get("type") in ("nominal", "ordinal") \
            and y.get("axis", {}) is not None:
        limit = {"expr": f"clamp(containerSize()[0] * {LABEL_SHARE}, {LABEL_MIN_PX}, {top})"}
        axis = {**(y.get("axis") or {}), "labelLimit": limit}
        sort = y.get("sort")
        if isinstance(sort, list) and "labelExpr" not in axis and step is not None \
                and step >= TWO_LINE_STEP * FONT_SIZE:
            axis.update(phone_label_axis([str(v) for v in sort],
                                         round(PHONE_LABEL_CHARS / scale), FONT_SIZE * scale))
        out["y"] = {**y, "axis": axis}
    x = out.get("x")
    if isinstance(x, dict) and "field" in x and x.get("axis", {}) is not None:
        out["x"] = {**x, "axis": {"titleAnchor": "end", "titleAlign": "right",
                                  **(x.get("axis") or {})}}
    for channel in ("color", "shape", "fill"):
        c = out.get(channel)
        if isinstance(c, dict) and "field" in c and c.get("legend", {}) is not None:
            legend = c.get("legend") or {}
            domain = (c.get("scale") or {}).get("domain") or c.get("sort") or []
            long = isinstance(domain, list) and any(len(str(d)) > 12 for d in domain)
            if legend.get("orient", "bottom") in ("bottom", "top"):
                cols = "1" if long else f"(containerSize()[0] < {NARROW_PX} ? 1 : 2)"
                out[channel] = {**c, "legend": {"columns": on_phone(cols, "0"), **legend}}
    return out


def _row_step(view: dict) -> float | None:
    """The px between category rows of a view sized by a step (``height: {step}``); a step
    "for offset" is per offset category: a grouped row is that times their number, padded
    (Vega-Lite's band padding: two 16 px offsets make rows 40 px apart on screen)."""
    height = view.get("height")
    if not isinstance(height, dict) or not isinstance(height.get("step"), int | float):
        return None
    if height.get("for") != "offset":
        return float(height["step"])
    encodings = [view.get("encoding") or {}, *((v.get("encoding") or {})
                                               for v in view.get("layer") or ())]
    groups = max((len(e["yOffset"]["sort"]) for e in encodings
                  if isinstance(e.get("yOffset"), dict)
                  and isinstance(e["yOffset"].get("sort"), list)), default=1)
    return float(height["step"]) * groups / (1 - OFFSET_ROW_PADDING)


def limit_labels(node: Any, top: int, scale: float = 1.0, step: float | None = None) -> Any:
    """:func:`fit_encoding` applied to every encoding in a spec (layers, facets), each told
    the row step of its own view or the nearest view around it."""
    if isinstance(node, dict):
        step = _row_step(node) or step
        return {k: (fit_encoding(v, top, scale, step) if k == "encoding" and isinstance(v, dict)
                    else limit_labels(v, top, scale, step)) for k, v in node.items()}
    if isinstance(node, list):
        return [limit_labels(v, top, scale, step) for v in node]
    return node


def screen_spec(chart: alt.TopLevelMixin | dict, presenting: bool = False,
                description: str | None = None) -> tuple[dict, str, str, str]:
    """The spec as drawn on screen, with (title, subtitle, description). Pure, for tests."""
    # converted under Streamlit's Altair lock with the default transformer (no mixed data
    # between sessions' threads; see explorer.exports.chart_dict; a fresh dict)
    spec = copy.deepcopy(chart) if isinstance(chart, dict) else exports.chart_dict(chart)
    title, subtitle = title_parts(spec)
    spec.pop("title", None)
    spec = wrap_titles(spec, round(AXIS_TITLE_CHARS / (PRESENT_CHART_SCALE if presenting
                                                         else 1)))
    text = description or ". ".join(p.rstrip(".") for p in (title, subtitle) if p) + "."
    spec["description"] = text
    config = spec.setdefault("config", {})
    axis = config.setdefault("axis", {})
    limit = axis.get("labelLimit")
    top = min(int(limit), LABEL_MAX_PX) if isinstance(limit, int | float) else LABEL_MAX_PX
    if presenting:  # larger type, as many characters: "Allerdale (former district, to Mar…"
        top = round(top * PRESENT_CHART_SCALE)
    # marks out of the accessibility tree: the chart's text alternative and its table twin
    # say what it shows (facet charts otherwise get unlabelled role=img mark groups)
    config.setdefault("mark", {}).setdefault("aria", False)
    # legends under the chart: at the right they take a phone's whole plot width
    config.setdefault("legend", {}).setdefault("orient", "bottom")
    spec = limit_labels(spec, top, PRESENT_CHART_SCALE if presenting else 1.0)
    if presenting:
        spec = scale_fonts(spec, PRESENT_CHART_SCALE)
    return spec, title, subtitle, text


def _screen_json(chart: alt.TopLevelMixin, presenting: bool,
                 description: str | None) -> str:
    """:func:`screen_spec` as JSON text, made once per chart and mode for a shared chart
    (:func:`explorer.exports.share`): a rerun reads it back instead of converting again."""
    return exports.derived(chart, ("screen", presenting, description),
                           lambda: json.dumps(screen_spec(chart, presenting, description)))


def _is_geo(data: Any) -> bool:
    """Whether Streamlit keeps this dataset in the spec (GeoJSON/TopoJSON) rather than
    sending it as Arrow; unknown (a Streamlit without the check): treated as geo, i.e. left
    to Streamlit."""
    from streamlit.elements import vega_charts

    check = getattr(vega_charts, "_is_geojson_or_topojson_payload", None)
    return True if check is None else bool(check(data))


def _to_arrow(rows: Any) -> bytes:
    from streamlit import dataframe_util

    return dataframe_util.convert_anything_to_arrow_bytes(rows)


def screen_payload(chart: alt.TopLevelMixin, presenting: bool,
                   description: str | None) -> tuple[str, tuple[tuple[str, bytes], ...],
                                                     str, str, str]:
    """A shared chart as Streamlit sends it: the screen spec's JSON without its tabular
    datasets, those datasets as the Arrow IPC bytes Streamlit would make of them, title,
    subtitle and text alternative. Made once per chart and mode, so a rerun neither
    re-serialises the rows (Streamlit converts a spec's ``datasets`` to Arrow on every call
    unless they already are bytes) nor parses them back from JSON."""
    def make() -> tuple[str, tuple[tuple[str, bytes], ...], str, str, str]:
        spec, title, subtitle, text = screen_spec(chart, presenting, description)
        datasets = spec.pop("datasets", None) or {}
        kept = {name: rows for name, rows in datasets.items() if _is_geo(rows)}
        if kept:
            spec["datasets"] = kept
        arrow = tuple((str(name), _to_arrow(rows)) for name, rows in datasets.items()
                      if name not in kept)
        return json.dumps(spec), arrow, title, subtitle, text

    return exports.derived(chart, ("screen-arrow", presenting, description), make)


def comparison_key(labels: Iterable[str] | None = None,
                   symbols: Mapping[str, str] | None = None) -> str:
    """HTML chips in the comparison colours (``labels``, in the palette's order; all when
    None), each never broken across lines, so the key wraps at any width: the one key of
    the At a glance grid (with its cell ``symbols``) and of the Compare chart."""
    from explorer.palette import COMPARISON_COLOURS, COMPARISON_INK

    wanted = COMPARISON_COLOURS if labels is None else set(labels)
    chips = []
    for label, bg in COMPARISON_COLOURS.items():
        if label in wanted:
            text = f"{symbols[label]} {label}" if symbols and label in symbols else label
            chips.append(f"<span class='hee-key-chip' style='background:{bg};color:"
                         f"{COMPARISON_INK.get(label, '#000000')};padding:0 6px;"
                         f"white-space:nowrap;display:inline-block'>{_escape(text)}</span>")
    return " ".join(chips)


def show(chart: alt.TopLevelMixin, description: str | None = None, *,
         key_html: str | None = None, **kwargs: Any) -> None:
    """Draw a chart with its title as text, its finding as the text alternative, and the
    presentation type size when presenting; ``key_html`` (e.g. :func:`comparison_key`)
    goes under the title, above the chart. Extra keyword arguments go to Streamlit."""
    presenting = present.presenting()
    if exports.is_shared(chart):
        spec_json, arrow, title, subtitle, text = screen_payload(chart, presenting, description)
        spec = json.loads(spec_json)  # a fresh dict: Streamlit changes the one it is given
        if arrow:
            spec["datasets"] = {**spec.get("datasets", {}), **dict(arrow)}
    else:
        spec, title, subtitle, text = screen_spec(chart, presenting, description)
    if title:
        st.markdown(f"<p class='hee-chart-title'>"
                    f"{_escape(title)}</p>" + (f"<p class='hee-chart-subtitle'>"
                                               f"{_escape(subtitle)}</p>" if subtitle else "")
                    + (f"<p class='hee-chart-key'>{key_html}</p>" if key_html else ""),
                    unsafe_allow_html=True)
    elif key_html:
        st.markdown(f"<p class='hee-chart-key'>{key_html}</p>", unsafe_allow_html=True)
    kwargs.setdefault("width", "stretch")
    spec.pop("description", None)  # Streamlit's alt becomes the description (aria-label)
    st.vega_lite_chart(spec, alt=text, **kwargs)


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("$", "&#36;")
