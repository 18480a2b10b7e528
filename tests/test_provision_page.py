"""The 'Is care where need is?' page through AppTest: England, the North West, Blackpool."""

from __future__ import annotations

import pytest

from explorer import provision as pv
from tests.apptest import assert_clean, open_page
from tests.test_pages import chart_data

PAGE = "pages/provision.py"


@pytest.mark.parametrize("place", ["england", "north-west", "blackpool"])
def test_page_runs_with_finding_titles_captions_and_exports(place):
    at = open_page(PAGE, p=place)
    assert_clean(at)
    assert at.title[0].value == "Is care where need is?"
    heads = [s.value for s in at.subheader]
    assert "per need-weighted patient" in heads[0]
    # Blackpool has no practice in the least deprived fifth: no gap to draw over time
    assert len(at.get("vega_lite_chart")) == (2 if place == "blackpool" else 3)
    captions = " ".join(c.value for c in at.caption)
    assert "2022/23" in captions and "Open Government Licence" in captions
    assert "NHS Payments to General Practice" in captions
    assert "practice(s)" not in captions and "\n0 practices" not in captions
    # counts of a thousand or more carry thousands separators, as the metrics do
    import re
    assert not re.search(r"\b\d{4,} practices", captions + " ".join(
        e.proto.label for e in at.expander)), "a practice count without its comma"
    labels = [b.proto.label for b in at.get("download_button")]
    charts = 2 if place == "blackpool" else 3
    assert labels.count("CSV") == 3 and labels.count("PNG") == charts == labels.count("SVG")
    notes = " ".join(m.value for m in at.markdown)
    assert "workload weighting" in notes and "merge, close" in notes
    assert "Premises Payments" in notes


def test_blackpool_quadrant_draws_every_practice():
    at = open_page(PAGE, p="blackpool", yr="2022-23")
    assert_clean(at)
    rows = [r for r in chart_data(at, 1) if "practice_code" in r]
    from explorer.places import registry

    expected = pv.quadrant(registry().resolve("Blackpool"), "2022/23")
    assert sorted(r["practice_code"] for r in rows) == sorted(expected["practice_code"])
    assert len(rows) >= 10
    assert {r["quadrant"] for r in rows} <= set(pv.QUADRANTS)
    # the table twin lists the same practices, sent only once its expander is opened
    assert not [d for d in at.dataframe if "Quadrant" in d.value.columns]
    at.session_state["provision_practices"] = True
    at.run()
    tables = [d.value for d in at.dataframe]
    assert any(len(t) == len(rows) and "Quadrant" in t.columns for t in tables)


def test_practices_grid_reads_as_the_tables_do():
    """A missing cell (a practice without a CQC rating or a life expectancy) reads as the
    tables' em dash, not Streamlit's "None"; scores to one decimal, counts with commas."""
    import json

    from ui.tables import MISSING

    at = open_page(PAGE, p="england", yr="2022-23")
    at.session_state["provision_practices"] = True  # the expander opened
    at.run()
    assert_clean(at)
    grid = next(d for d in at.dataframe if "Quadrant" in d.value.columns)
    assert grid.value["CQC rating (latest)"].isna().any()  # England has such practices
    assert grid.proto.placeholder == MISSING
    config = json.loads(grid.proto.columns)
    assert config["Practice IMD score"]["type_config"]["format"] == "%.1f"
    assert config["Registered patients"]["type_config"]["format"] == "%,.0f"
    assert config["Payments (£)"]["type_config"]["format"] == "£%,.0f"


def test_north_west_finding_and_url_state():
    at = open_page(PAGE, p="north-west", grp="decile", yr="2014-15")
    assert_clean(at)
    assert at.subheader[0].value.startswith("Practices in North West serving the most "
                                            "deprived tenth")
    assert "(2014/15)" in at.subheader[0].value
    assert at.query_params["yr"] in ("2014-15", ["2014-15"])


def test_bad_link_values_give_messages_not_tracebacks():
    at = open_page(PAGE, p="atlantis", yr="1999-00", grp="tertile")
    assert_clean(at)
    messages = " ".join(m.value for m in at.info)
    assert "atlantis" in messages and "year" in messages and "grouping" in messages
    assert at.subheader[0].value.startswith("Practices in North West")


def test_place_without_a_practice_gets_a_message():
    at = open_page(PAGE, p="ward-e05000719")
    assert_clean(at)
    assert any("No GP practice has at least half" in w.value for w in at.warning)
    assert not at.get("vega_lite_chart")


def test_practices_left_out_are_counted_in_words():
    from explorer.provision import left_out_sentence as _left_out

    assert _left_out(0).startswith("No practice in the year's payments is left out")
    assert _left_out(1) == ("1 practice without registered or weighted patients or a "
                            "practice IMD score is left out.")
    assert _left_out(1200).startswith("1,200 practices") and _left_out(2).endswith("are left out.")


def test_quadrant_corner_names_fit_beside_each_other_on_a_phone():
    """Two corner names share the top row: seen at 390 px, 'Low need, high resource' ran
    into 'High need, high resource'. Smaller there, on two lines ('Low need' over 'high
    resource': on one line every name was cut to 'Low need, high re…'), and never past the
    middle."""
    import json

    at = open_page(PAGE, p="blackpool", yr="2022-23")
    spec = json.loads(at.get("vega_lite_chart")[1].proto.spec)
    texts = [la["mark"] for la in spec["layer"] if la["mark"]["type"] == "text"]
    assert len(texts) == 4
    for mark in texts:
        assert "containerSize()[0] < 600 ? 10 : 12" in mark["fontSize"]["expr"]
        assert mark["limit"] == {"expr": "max(60, width / 2 - 30)"}
        assert mark["lineBreak"] == {"expr": "containerSize()[0] < 600 ? ', ' : ''"}
    from explorer.provision import QUADRANTS

    assert all(name.count(", ") == 1 for name in QUADRANTS)  # one break: two lines


def test_the_coverage_words_add_up_to_the_practice_count():
    """'1,007 practices have at least half of their list here' beside a count of 1,003: the
    words say how many of them are in the year's payments file and how many are left out."""
    from explorer import provision as pv
    from explorer.places import registry

    g = pv.gradient(registry().get("north-west"), "2022/23")
    cov = pv.coverage(g.place)
    in_file = int(g.total["practices"]) + g.excluded["practices"]
    words = pv.coverage_sentence(g)
    assert words.startswith(f"{cov['attributed_practices']:,} practices have at least half")
    assert in_file != cov["attributed_practices"]  # some closed or merged after July 2022
    assert f"{in_file:,} of them are in the 2022/23 payments file." in words
    assert words.endswith(pv.left_out_sentence(g.excluded["practices"]))
    england = pv.coverage_sentence(pv.gradient(registry().get("england"), "2022/23"))
    assert england.startswith("Every practice in the 2022/23 payments file (")
