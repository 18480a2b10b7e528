"""The analysts' CLI: same numbers as the pages, documented JSON keys, clear errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from explorer.__main__ import main


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    rc = main(list(args), out=out)
    return rc, out.getvalue()


def test_profile_json_keys_and_values():
    rc, text = run("profile", "Blackpool", "--format", "json")
    assert rc == 0
    d = json.loads(text)
    for key in ("id", "name", "kind", "vintage", "definition", "population", "lsoa_count",
                "imd_score", "core20_population", "core20_share", "decile_population",
                "decile_lsoa_count", "district_rank"):
        assert key in d
    assert d["id"] == "blackpool" and d["district_rank"] == 1
    assert len(d["decile_population"]) == 10 and sum(d["decile_population"]) == d["population"]
    assert 0 <= d["core20_share"] <= 1
    assert round(d["imd_score"], 2) == 45.04


def test_profile_non_district_has_null_rank_and_2025():
    rc, text = run("profile", "Workington", "--vintage", "2025")
    d = json.loads(text)
    assert rc == 0 and d["district_rank"] is None and d["vintage"] == 2025


def test_profile_csv_and_table():
    rc, text = run("profile", "eden", "--format", "csv")
    assert rc == 0 and text.splitlines()[0].startswith("id,name,kind")
    rc, text = run("profile", "eden", "--format", "table")
    assert rc == 0 and "core20_share" in text


def test_places_by_kind():
    rc, text = run("places", "--kind", "sub-region", "--format", "json")
    ids = {p["id"] for p in json.loads(text)}
    assert {"pennine-lancashire", "fylde-coast", "morecambe-bay", "north-cumbria"} <= ids


def test_unknown_place_is_a_clear_error():
    proc = subprocess.run([sys.executable, "-m", "explorer", "profile", "Edenn"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Unknown place 'Edenn'" in proc.stderr and "Eden" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_indicators_records_have_the_documented_keys():
    rc, text = run("indicators", "Workington", "--format", "json")
    assert rc == 0
    records = json.loads(text)
    keys = {"indicator_id", "name", "period", "sex", "value", "lower_ci", "upper_ci", "count",
            "denominator", "compared_to_england", "geography_used", "source"}
    assert records and all(keys <= set(r) for r in records)
    allowed = {"better", "similar", "worse", "lower", "higher", "not compared"}
    assert {r["compared_to_england"] for r in records} <= allowed
    copd = next(r for r in records if r["indicator_id"] == "qof-copd")
    assert copd["geography_used"] == "Workington (parish wards)"
    assert copd["lower_ci"] < copd["value"] < copd["upper_ci"]
    le = next(r for r in records if r["indicator_id"] == "90366")
    assert le["geography_used"] != "Workington (parish wards)"  # district value, said so


def test_blackpool_male_life_expectancy_2018_20_is_lowest():
    from explorer import indicators

    df = indicators.values("90366")
    rows = df[(df["period"].str.replace(" ", "") == "2018-20") & (df["sex"] == "Male")]
    districts = rows[rows["area_code"].str.match(r"^E0[6-9]")]
    lowest = districts.sort_values("value").iloc[0]
    assert lowest["area_code"] == "E06000009" and lowest["value"] == 74.4
    assert rows[rows["area_code"] == "E92000001"]["value"].iloc[0] == 79.3
