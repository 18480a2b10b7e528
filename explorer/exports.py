"""Exports for the slide pack: CSV with a provenance header, PNG/SVG charts made offline."""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterable

import altair as alt
import pandas as pd

APP_NAME = "Health Equity Explorer (North West England)"


def provenance_lines(title: str, sources: Iterable[str], link: str | None = None,
                     notes: Iterable[str] = ()) -> list[str]:
    lines = [title, *[s for s in sources if s], *notes]
    if link:
        lines.append(f"View: {link}")
    lines.append(f"Exported from the {APP_NAME}; figures derived from the bundled snapshot "
                 "(data/snapshot/manifest.json).")
    return lines


def csv_with_provenance(df: pd.DataFrame, title: str, sources: Iterable[str],
                        link: str | None = None, notes: Iterable[str] = ()) -> str:
    """CSV whose first lines (prefixed ``#``) say what the numbers are and where from."""
    buf = io.StringIO()
    for line in provenance_lines(title, sources, link, notes):
        buf.write("# " + " ".join(str(line).split()) + "\n")
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _fix_width(spec: dict, width: int) -> None:
    """Exports have no container: give 'container' widths a fixed size."""
    if spec.get("width") == "container":
        spec["width"] = width
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for sub in spec.get(key, []) or []:
            if isinstance(sub, dict):
                _fix_width(sub, width)


def with_footer(spec: dict | str, footer: str, width: int = 900) -> dict:
    """Put the source/vintage/licence line under the chart, so a pasted image keeps it."""
    inner = json.loads(spec) if isinstance(spec, str) else json.loads(json.dumps(spec))
    outer: dict = {"$schema": inner.pop("$schema", "https://vega.github.io/schema/vega-lite/v6.json")}
    for key in ("config", "datasets"):
        if key in inner:
            outer[key] = inner.pop(key)
    _fix_width(inner, width)
    outer["vconcat"] = [inner]
    outer["title"] = {"text": textwrap.wrap(footer, 150) or [""], "orient": "bottom",
                      "anchor": "start", "fontSize": 11, "fontWeight": "normal",
                      "color": "#333333"}
    outer["background"] = "white"
    outer["padding"] = 12
    return outer


def _spec(chart: alt.TopLevelMixin | dict | str) -> dict | str:
    return chart.to_dict() if hasattr(chart, "to_dict") else chart


def chart_png(chart: alt.TopLevelMixin | dict | str, footer: str, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(with_footer(_spec(chart), footer), scale=scale)


def chart_svg(chart: alt.TopLevelMixin | dict | str, footer: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(with_footer(_spec(chart), footer))
