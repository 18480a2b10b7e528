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


def _spec_with_and_without(chart) -> tuple[dict, dict]:
    from explorer import exports

    with exports._baseline(), exports._copy_without_rebuild(chart), exports._leaves_first():
        fast = chart.to_dict(validate=False)
    with exports._baseline("default"):
        reference = chart.to_dict(validate=False)
    return fast, reference


def test_the_conversion_shortcuts_give_altairs_own_spec_and_are_undone():
    """NumPy scalars, timestamps, dates, tuples and layers in a spec come out as Altair writes
    them; the shortcuts last one conversion, even one that fails."""
    import datetime as dt

    import altair as alt
    import numpy as np
    import pytest
    from altair.utils import schemapi

    from explorer import exports

    own = schemapi._todict
    frame = pd.DataFrame({"x": [1.5, 2.5], "y": ["a", "b"]})
    base = alt.Chart(frame).mark_point().encode(
        x=alt.X("x:Q", scale=alt.Scale(domain=(np.float64(0.25), np.int64(3)))),
        y=alt.Y("y:N", sort=["b", "a"]))
    rule = alt.Chart(frame).mark_rule().encode(
        x=alt.datum(pd.Timestamp("2024-03-01")), y=alt.datum(dt.date(2024, 3, 1)))
    for chart in (base, alt.layer(base, rule, title="A finding")):
        fast, reference = _spec_with_and_without(chart)
        assert fast == reference
        assert schemapi._todict is own
    assert fast["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.25, 3.0]
    with pytest.raises(RuntimeError), exports._leaves_first():
        assert schemapi._todict is not own
        raise RuntimeError("a failed conversion")
    assert schemapi._todict is own
