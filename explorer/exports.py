"""Exports for the slide pack: CSV with a provenance header, PNG/SVG charts made offline."""

from __future__ import annotations

import io
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


def with_footer(chart: alt.TopLevelMixin, footer: str) -> alt.TopLevelMixin:
    """Put the source/vintage/licence line under the chart, so a pasted image keeps it."""
    return alt.vconcat(chart).properties(
        title=alt.TitleParams(footer, orient="bottom", anchor="start", fontSize=11,
                              fontWeight="normal", color="#333333", limit=900),
        background="white",
    )


def chart_png(chart: alt.TopLevelMixin, footer: str, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(with_footer(chart, footer).to_json(), scale=scale)


def chart_svg(chart: alt.TopLevelMixin, footer: str) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(with_footer(chart, footer).to_json())
