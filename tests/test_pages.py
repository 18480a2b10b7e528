"""Pages through streamlit.testing.v1.AppTest: every page runs, URL state round-trips,
bad input gives a message and never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import REPO, assert_clean, open_page

PAGES = ["pages/overview.py", "pages/map.py", "pages/compare.py", "pages/core20plus5.py",
         "pages/inequalities.py", "pages/facilitator.py", "pages/sources.py",
         "pages/trends.py", "pages/glance.py", "pages/provision.py", "pages/places.py"]


def app_at(page: str | None = None, **query: str) -> AppTest:
    return open_page(page, **query)


def chart_data(at: AppTest, index: int = 0) -> list[dict]:
    proto = at.get("vega_lite_chart")[index].proto
    out = []
    for ds in proto.datasets:
        table = pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_all()
        out += table.to_pylist()
    if not out:
        spec = json.loads(proto.spec)
        for values in spec.get("datasets", {}).values():
            out += values
    return out


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(page):
    assert Path(page).is_file(), f"{page} is registered in app.py"
    at = app_at(page)
    assert_clean(at)
    assert at.title, f"{page} has no title"


def test_overview_default_region_and_chart():
    at = app_at()
    assert_clean(at)
    assert at.query_params["r"] in ("lsc-north-cumbria", ["lsc-north-cumbria"])
    rows = chart_data(at)
    names = {r.get("name") for r in rows}
    assert {"Blackpool", "Eden", "Workington (parish wards)"} <= names
    caption = " ".join(c.value for c in at.caption)
    assert "Open Government Licence" in caption and "IoD2019" in caption


def test_overview_unknown_region_in_url_shows_message_and_default():
    at = app_at(r="atlantis", v="1999")
    assert_clean(at)
    # messages are escaped for Markdown (backslashes, word joiners): compare the text shown
    messages = " ".join(m.value for m in at.info).replace("\\", "").replace("\u2060", "")
    assert "unknown region 'atlantis'" in messages and "vintage" in messages
    assert at.query_params["r"] in ("lsc-north-cumbria", ["lsc-north-cumbria"])


def test_overview_iod2025_from_url():
    at = app_at(r="north-cumbria", v="2025")
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Residents"] != ""
    assert "Cumberland" in {r.get("name") for r in chart_data(at)}


def test_compare_from_url_with_unknown_place():
    at = app_at("pages/compare.py", p="workington-parish-wards,eden,blackpool,atlantis")
    assert_clean(at)
    messages = " ".join(m.value for m in at.info).replace("\\", "")
    assert "unknown place 'atlantis'" in messages and "showing the others" in messages
    assert at.multiselect[0].value == ["workington-parish-wards", "eden", "blackpool"]
    text = " ".join(m.value for m in at.markdown)
    assert "45.4%" in text and "Eden 0.0%" in text
    metric_labels = [m.label for m in at.metric]
    assert metric_labels[:3] == ["Workington (parish wards)", "Eden", "Blackpool"]


def test_links_name_places_as_people_type_them():
    """?p=Workington,E07000030,BLACKPOOL: names, codes and any case; the link comes back
    with ids, and an unknown name gets its suggestions."""
    at = app_at("pages/compare.py", p="Workington,E07000030,BLACKPOOL,blakpool")
    assert_clean(at)
    assert at.multiselect[0].value == ["workington-parish-wards", "eden", "blackpool"]
    assert at.query_params["p"] in ("workington-parish-wards,eden,blackpool",
                                    ["workington-parish-wards,eden,blackpool"])
    messages = " ".join(m.value for m in at.info).replace("\\", "")
    assert "unknown place 'blakpool' (did you mean Blackpool" in messages
    for page in ("pages/trends.py", "pages/core20plus5.py", "pages/provision.py",
                 "pages/inequalities.py"):
        at = app_at(page, p="Eden")
        assert_clean(at)
        widget = at.multiselect[0] if page.endswith("trends.py") else at.selectbox[0]
        assert widget.value in ("eden", ["eden"]), page
    at = app_at("pages/overview.py", r="North East and North Cumbria ICB")
    assert_clean(at)
    assert not at.info, [m.value for m in at.info]
    assert at.selectbox[0].value == "icb-north-east-and-north-cumbria"


def test_compare_draws_only_the_open_vintage_tab_and_keeps_it_in_the_link():
    """The deprivation profile's open tab is in the link (v=2025 reopens IoD2025) and only
    that tab's chart, table and exports are made; junk in v gets a message and IoD2019."""
    from explorer.profile import profile

    def decile_rows(at):
        return [r for r in chart_data(at, 0) if "decile" in r]

    eden = registry_place("eden")
    for v, vintage in (("2025", 2025), (None, 2019), ("1999", 2019)):
        at = app_at("pages/compare.py", p="eden,blackpool", **({"v": v} if v else {}))
        assert_clean(at)
        assert at.query_params["v"] in (str(vintage), [str(vintage)])
        assert len(at.get("vega_lite_chart")) == 3  # one decile chart, domains, indicators
        rows = [r for r in decile_rows(at) if r["place"] == "Eden"]
        expected = profile(eden, vintage).decile_population
        # the two vintages' Eden differ decile by decile: this is the open tab's vintage
        assert [r["population"] for r in sorted(rows, key=lambda r: r["decile"])] == \
            expected, vintage
        messages = " ".join(m.value for m in at.info)
        assert ("vintage" in messages) == (v == "1999")


def registry_place(pid: str):
    from explorer.places import registry

    return registry().get(pid)


def test_compare_change_places_updates_url():
    at = app_at("pages/compare.py", p="blackpool,eden")
    at.multiselect[0].set_value(["blackpool", "kendal"]).run()
    assert_clean(at)
    assert at.query_params["p"] in ("blackpool,kendal", ["blackpool,kendal"])


def test_missing_snapshot_file_gives_message_naming_it(tmp_path, monkeypatch):
    from loaders import snapshot
    from loaders.paths import snapshot_dir

    src = snapshot_dir()
    for f in src.iterdir():
        if f.name != "iod2019_lsoa11.parquet":
            (tmp_path / f.name).symlink_to(f)
    monkeypatch.setenv("HEE_SNAPSHOT_DIR", str(tmp_path))
    snapshot.clear()
    try:
        at = AppTest.from_file(str(REPO / "pages/sources.py"), default_timeout=120).run()
        assert not at.exception
        errors = " ".join(e.value for e in at.error)
        assert "iod2019_lsoa11.parquet" in errors and "make data" in errors
    finally:
        monkeypatch.delenv("HEE_SNAPSHOT_DIR")
        snapshot.clear()
