"""Exports: CSV with a provenance header, PNG and SVG made offline with a source footer."""

from __future__ import annotations

import io

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
