"""Exports: CSV with a provenance header, PNG and SVG made offline with a source footer."""

from __future__ import annotations

import io
import re

import pandas as pd

from explorer.charts import core20_bar
from explorer.exports import chart_png, chart_svg, csv_with_provenance
from explorer.overview import headline, region_table


def test_csv_has_provenance_header_and_round_trips():
    df = pd.DataFrame({"place": ["Eden"], "share": [0.0]})
    text = csv_with_provenance(df, "Core20 share", ["Source: MHCLG IoD2019. OGL v3.0."],
                               link="/compare?p=eden")
    head = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert any("MHCLG" in ln for ln in head)
    assert any("/compare?p=eden" in ln for ln in head)
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert back.equals(df)


def test_png_and_svg_include_the_footer(places):
    region = places.get("fylde-coast")
    prof, eng = headline(region, 2019)
    chart = core20_bar(region_table(region, 2019), region.name, eng.core20_share, 2019)
    png = chart_png(chart, "Source: MHCLG IoD2019. OGL v3.0.")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = chart_svg(chart, "Source: MHCLG IoD2019. OGL v3.0.")
    assert svg.lstrip().startswith("<svg") and "OGL v3.0" in svg and "Blackpool" in svg


def _axis_label_counts(svg: str) -> list[int]:
    """Labels on each axis of an exported SVG (vl-convert draws one group per axis)."""
    groups = re.findall(r'role-axis-label"[^>]*>(.*?)</g>', svg, flags=re.S)
    return [g.count("<text") for g in groups]


def test_exported_axes_keep_readable_labels(places):
    """The export has no container: an axis whose label count read containerSize() lost
    every label in PNG and SVG; on screen it has one label per ~110 px, not one per 40."""
    from explorer.charts import domain_dots

    region = places.get("lsc-north-cumbria")
    _, eng = headline(region, 2019)
    bar = core20_bar(region_table(region, 2019).head(45), region.name, eng.core20_share, 2019)
    counts = _axis_label_counts(chart_svg(bar, "f"))
    assert len(counts) == 2 and max(counts) == len(region_table(region, 2019).head(45))
    assert 4 <= min(counts) <= 12, counts  # the share axis (the other names the places)
    rows = pd.DataFrame({"place": ["Eden", "Blackpool"], "domain": ["Income", "Income"],
                         "percentile": [20.0, 95.0], "score": [0.07, 0.25]})
    dots = _axis_label_counts(chart_svg(domain_dots(rows, 2019, "t"), "f"))
    assert len(dots) == 2 and 4 <= dots[0] <= 12, dots  # x: the percentile axis


def test_exported_title_spans_the_image_not_a_phone_column(places):
    """Builders wrap titles at 38 characters (a phone); a 900 px export re-wraps them to its
    width, losing no word."""
    from explorer.exports import _spec, with_footer

    region = places.get("lsc-north-cumbria")
    _, eng = headline(region, 2019)
    bar = core20_bar(region_table(region, 2019), region.name, eng.core20_share, 2019)
    screen = _spec(bar)["title"]
    export = with_footer(_spec(bar), "f")["vconcat"][0]["title"]
    assert len(export["text"]) < len(screen["text"]) and len(export["text"]) <= 2
    assert all(len(line) <= 90 for line in export["text"])
    for key in ("text", "subtitle"):
        assert " ".join(export[key]) == " ".join(screen[key])
