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
from typing import Any

import altair as alt
import streamlit as st

from ui import present
from ui.theme import PRESENT_CHART_SCALE

#: Keys whose numbers are font sizes anywhere in a Vega-Lite spec.
FONT_KEYS = frozenset({"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"})
#: Axis labels may take at most this share of the chart's box, never less than the minimum.
LABEL_SHARE = 0.4
LABEL_MIN_PX = 90
LABEL_MAX_PX = 320
#: Axis titles longer than this are drawn on several lines.
AXIS_TITLE_CHARS = 36


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


def scale_fonts(node: Any, factor: float) -> Any:
    """Every font size in a spec multiplied by ``factor`` (rounded), steps too so rows grow
    with their labels."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            number = isinstance(v, int | float) and not isinstance(v, bool)
            if number and (k in FONT_KEYS or k == "step"):
                out[k] = round(v * factor)
            else:
                out[k] = scale_fonts(v, factor)
        return out
    if isinstance(node, list):
        return [scale_fonts(v, factor) for v in node]
    return node


def wrap_words(text: str, width: int = AXIS_TITLE_CHARS) -> list[str] | str:
    """A long axis or legend title as lines of at most ``width`` characters (Vega-Lite draws
    a list as lines); short titles unchanged."""
    if len(text) <= width:
        return text
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


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


def limit_labels(node: Any, top: int) -> Any:
    """Category labels on y axes limited to a share of the chart's box, so the plot keeps
    its width on a phone (a Vega expression: the limit follows the box when it resizes)."""
    expr = {"expr": f"clamp(containerSize()[0] * {LABEL_SHARE}, {LABEL_MIN_PX}, {top})"}
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "encoding" and isinstance(v, dict) and isinstance(v.get("y"), dict) \
                    and v["y"].get("type") in ("nominal", "ordinal") \
                    and v["y"].get("axis", {}) is not None:
                y = dict(v["y"])
                y["axis"] = {**(y.get("axis") or {}), "labelLimit": expr}
                out[k] = {**v, "y": y}
            else:
                out[k] = limit_labels(v, top)
        return out
    if isinstance(node, list):
        return [limit_labels(v, top) for v in node]
    return node


def screen_spec(chart: alt.TopLevelMixin | dict, presenting: bool = False,
                description: str | None = None) -> tuple[dict, str, str, str]:
    """The spec as drawn on screen, with (title, subtitle, description). Pure, for tests."""
    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict()
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
    # legends under the chart: at the right they take a phone's whole plot width
    config.setdefault("legend", {}).setdefault("orient", "bottom")
    # x-axis titles end at the plot's right edge and run left over the label column, so a
    # narrow plot (a phone) does not push them past the chart's edge
    config.setdefault("axisX", {}).update({"titleAnchor": "end", "titleAlign": "right"})
    spec = limit_labels(spec, top)
    if presenting:
        spec = scale_fonts(spec, PRESENT_CHART_SCALE)
    return spec, title, subtitle, text


def show(chart: alt.TopLevelMixin, description: str | None = None, **kwargs: Any) -> None:
    """Draw a chart with its title as text, its finding as the text alternative, and the
    presentation type size when presenting. Extra keyword arguments go to Streamlit."""
    spec, title, subtitle, text = screen_spec(chart, present.presenting(), description)
    if title:
        st.markdown(f"<p class='hee-chart-title'>"
                    f"{_escape(title)}</p>" + (f"<p class='hee-chart-subtitle'>"
                                               f"{_escape(subtitle)}</p>" if subtitle else ""),
                    unsafe_allow_html=True)
    kwargs.setdefault("width", "stretch")
    spec.pop("description", None)  # Streamlit's alt becomes the description (aria-label)
    st.vega_lite_chart(spec, alt=text, **kwargs)


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("$", "&#36;")
