"""Add your own data: every malformed file gets a specific message; good files aggregate
honestly to places (counts with Wilson intervals, values with population weights)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import upload
from explorer.stats.proportions import wilson_ci
from loaders import snapshot


@pytest.fixture(scope="module")
def blackpool_lsoas() -> list[str]:
    geo = snapshot.table("geo_lsoa11")
    return sorted(geo.loc[geo["lad19nm"] == "Blackpool", "lsoa11cd"])


@pytest.fixture(scope="module")
def west_cumbria_wards() -> list[str]:
    wards = snapshot.table("wards19")
    return sorted(wards.loc[wards["lad19nm"].isin(["Allerdale", "Copeland"]), "wd19cd"])


def _csv(header: str, rows: list[str]) -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode("utf-8")


def _check(data: bytes, **kw) -> upload.CheckResult:
    return upload.check_upload(data, name="Test", filename="test.csv", **kw)


def _only_error(result: upload.CheckResult) -> str:
    assert result.indicator is None and not result.ok
    assert result.errors, "expected an error"
    return " ".join(result.errors)


# --------------------------------------------------------------------------------------
# Malformed files


def test_empty_file() -> None:
    assert "empty" in _only_error(_check(b""))
    assert "empty" in _only_error(_check(b"  \n\n"))
    assert "no data rows" in _only_error(_check(b"code,value\n"))


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_wrong_delimiter_is_named(sep: str, name: str) -> None:
    data = f"code{sep}value\nE01012673{sep}12,5\n".encode()
    message = _only_error(_check(data))
    assert name in message and "comma" in message.lower()


def test_one_column_only() -> None:
    assert "only one column" in _only_error(_check(b"code\nE01012673\n"))


def test_unknown_codes_are_listed_up_to_ten(blackpool_lsoas: list[str]) -> None:
    fake = [f"E0199{i:04d}" for i in range(12)]
    rows = [f"{c},1" for c in blackpool_lsoas[:5]] + [f"{c},1" for c in fake]
    message = _only_error(_check(_csv("code,value", rows)))
    assert "12 codes are not known LSOA codes" in message
    assert all(c in message for c in fake[:10]) and fake[10] not in message
    assert "and 2 more" in message and "(line 7)" in message


def test_mixed_geographies_name_both_kinds(blackpool_lsoas: list[str]) -> None:
    rows = [f"{c},1" for c in blackpool_lsoas[:4]] + ["E05011735,2", "E05011736,3"]
    message = _only_error(_check(_csv("code,value", rows)))
    assert "mixes geographies" in message
    assert "4 LSOA codes" in message and "2 ward codes (lines 6, 7)" in message


def test_mixed_lsoa_vintages_are_called_out() -> None:
    geo11 = set(snapshot.table("geo_lsoa11")["lsoa11cd"])
    geo21 = set(snapshot.table("geo_lsoa21")["lsoa21cd"])
    only11, only21 = sorted(geo11 - geo21)[:3], sorted(geo21 - geo11)[:2]
    rows = [*[f"{c},1" for c in only11], *[f"{c},2" for c in only21]]
    message = _only_error(_check(_csv("code,value", rows)))
    assert "mixes boundary years" in message and only21[0] in message


@pytest.mark.parametrize(("codes", "expected"), [
    (["E02000001", "E02000002"], "MSOA"),
    (["E12000002"], "region"),
    (["W01000001"], "Welsh LSOA"),
])
def test_wrong_geography_level(codes: list[str], expected: str) -> None:
    message = _only_error(_check(_csv("code,value", [f"{c},1" for c in codes])))
    assert "Wrong geography level" in message and expected in message


def test_level_chosen_by_the_user_is_checked(west_cumbria_wards: list[str]) -> None:
    data = _csv("code,value", [f"{c},1" for c in west_cumbria_wards])
    message = _only_error(_check(data, expected_level="lsoa"))
    assert "you chose LSOAs, but the codes are ward codes" in message


def test_non_numeric_values_give_row_numbers(blackpool_lsoas: list[str]) -> None:
    rows = [f"{c},{v}" for c, v in zip(blackpool_lsoas[:5], ["1", "two", "3", "12%", "4"],
                                        strict=True)]
    message = _only_error(_check(_csv("code,value", rows)))
    assert "2 value(s) in the value column 'value' are not numbers" in message
    assert "'two' (line 3)" in message and "'12%' (line 5)" in message
    assert "Remove the % sign" in message


def test_decimal_commas_get_a_tip(blackpool_lsoas: list[str]) -> None:
    data = _csv("code,value", [f'{blackpool_lsoas[0]},"12,5"'])
    assert "full stop for decimals" in _only_error(_check(data))


def test_duplicated_codes_give_their_lines(blackpool_lsoas: list[str]) -> None:
    a, b = blackpool_lsoas[:2]
    message = _only_error(_check(_csv("code,value", [f"{a},1", f"{b},2", f"{a},3"])))
    assert f"1 code(s) appear more than once: {a} (lines 2, 4)" in message


def test_file_larger_than_10_mb_is_refused_before_parsing() -> None:
    row = b"E01012673,1.0\n"
    data = b"code,value\n" + row * (upload.MAX_BYTES // len(row) + 10)
    message = _only_error(_check(data))
    assert "the limit is 10 MB" in message and "MB" in message


def test_non_utf8_file_names_windows_1252_and_the_fix() -> None:
    data = "code,value,name\nE01012673,1,Café\n".encode("cp1252")
    message = _only_error(_check(data))
    assert "not UTF-8" in message and "Windows-1252" in message
    assert "line 2" in message and "CSV UTF-8" in message


def test_utf8_with_bom_is_fine(blackpool_lsoas: list[str]) -> None:
    data = "\ufeffcode,value\n".encode() + f"{blackpool_lsoas[0]},1\n".encode()
    assert _check(data).ok


def test_malformed_codes_and_missing_code_column() -> None:
    assert "are not area codes" in _only_error(_check(b"code,value\nBlackpool,1\n"))
    message = _only_error(_check(b"place,value\nBlackpool,1\nEden,2\n"))
    assert "No column of area codes" in message


def test_counts_must_be_consistent(blackpool_lsoas: list[str]) -> None:
    a, b = blackpool_lsoas[:2]
    data = _csv("code,numerator,denominator", [f"{a},5,4", f"{b},-1,10"])
    message = _only_error(_check(data))
    assert "larger than the denominator on line 2" in message
    assert "cannot be negative: line 3" in message
    half = _csv("code,numerator,value", [f"{a},5,1"])
    assert "both a numerator and a denominator" in _only_error(
        _check(half, numerator_col="numerator"))


def test_every_independent_problem_is_reported_at_once(blackpool_lsoas: list[str]) -> None:
    a, b = blackpool_lsoas[:2]
    data = _csv("code,value", [f"{a},x1", f"{a},2", "E01999999,3"])
    result = _check(data)
    text = " ".join(result.errors)
    assert "not numbers" in text and "more than once" in text and "not a known" in text


# --------------------------------------------------------------------------------------
# Good files


def test_good_lsoa_file_with_values(blackpool_lsoas: list[str], places) -> None:
    rows = [f"{c},{i % 7 + 1.5}" for i, c in enumerate(blackpool_lsoas)] + [",", " "]
    result = _check(_csv("LSOA code,Rate", rows), unit="per 1,000")
    assert result.ok and result.errors == []
    ind = result.indicator
    assert ind is not None
    assert (ind.level, ind.map_level, ind.vintage) == ("lsoa11", "lsoa", 2019)
    assert not ind.has_counts and ind.source == upload.SOURCE
    assert len(ind.values()) == len(blackpool_lsoas)

    pv = upload.place_value(ind, places.get("blackpool"))
    from explorer.profile import lsoa_frame

    pop = lsoa_frame(2019)["pop_total"].reindex(ind.frame.index).astype(float)
    assert pv.value == pytest.approx(float(np.average(ind.frame["value"], weights=pop)))
    assert pv.value != pytest.approx(float(ind.frame["value"].mean()))  # not unweighted
    assert pv.lower is None and "Population-weighted" in pv.method and "IoD2019" in pv.method


def test_good_lsoa_file_with_counts_gives_wilson_intervals(blackpool_lsoas: list[str],
                                                           places) -> None:
    rows = [f"{c},{i % 9 + 1},{150 + i}" for i, c in enumerate(blackpool_lsoas)]
    result = _check(_csv("code,numerator,denominator", rows))
    ind = result.indicator
    assert result.ok and ind is not None and ind.has_counts
    pv = upload.place_value(ind, places.get("blackpool"), confidence=0.95)
    num, den = ind.frame["numerator"].sum(), ind.frame["denominator"].sum()
    lo, hi = wilson_ci(num, den, 0.95)
    assert (pv.value, pv.numerator, pv.denominator) == (num / den, num, den)
    assert math.isclose(pv.lower, lo) and math.isclose(pv.upper, hi)
    row = upload.indicator_row(ind, places.get("blackpool"))
    assert row.source == upload.SOURCE and row.unit == "%"
    assert math.isclose(row.value, num / den * 100)  # the record is on the "%" scale
    assert row.compared_to_england == "not compared"  # the upload does not cover England


def test_partial_coverage_is_refused_below_90_percent(blackpool_lsoas: list[str],
                                                      places) -> None:
    rows = [f"{c},1" for c in blackpool_lsoas]
    ind = _check(_csv("code,value", rows)).indicator
    assert ind is not None
    pv = upload.place_value(ind, places.get("fylde-coast"))
    assert pv.value is None and "covers 94 of" in pv.note and "90%" in pv.note
    rows = [f"{c},1" for c in blackpool_lsoas[:-2]]
    ind = _check(_csv("code,value", rows)).indicator
    pv = upload.place_value(ind, places.get("blackpool"))
    assert pv.value == pytest.approx(1.0) and "covers 92 of 94" in pv.note


def test_good_ward_file_aggregates_to_exact_unions_only(west_cumbria_wards: list[str],
                                                        places) -> None:
    rows = [f'{c},"Ward {i}",{i % 9 + 3},{200 + i}' for i, c in enumerate(west_cumbria_wards)]
    result = _check(_csv("Ward code,Ward name,count,denominator", rows))
    ind = result.indicator
    assert result.ok and ind is not None
    assert result.guessed["numerator"] == "count" and ind.level == "ward19" and ind.has_counts

    workington = upload.place_value(ind, places.get("workington-parish-wards"))
    assert workington.value is not None and workington.lower is not None
    assert workington.geography_used == "6 electoral wards"
    one_ward = upload.place_value(ind, places.get("ward-e05011735"))
    assert one_ward.geography_used.startswith("Moorclose & Moss Bay") and one_ward.note == ""
    across = upload.place_value(ind, places.get("workington-bua"))
    assert across.value is None and "cuts across" in across.note
    eden = upload.place_value(ind, places.get("eden"))
    assert eden.value is None and "any of the" in eden.note


def test_ward_values_without_counts_are_population_weighted(west_cumbria_wards: list[str],
                                                            places) -> None:
    rows = [f"{c},{i % 5 + 1}" for i, c in enumerate(west_cumbria_wards)]
    ind = _check(_csv("code,value", rows)).indicator
    pv = upload.place_value(ind, places.get("allerdale"))
    assert pv.value is not None and "Population-weighted mean of electoral ward values" \
        in pv.method


def test_district_file_and_a_place_inside_one_district(places) -> None:
    districts = snapshot.table("districts")
    nw = districts.loc[districts["rgnnm"] == "North West", "lad19cd"].drop_duplicates()
    rows = [f"{c},{i + 1}" for i, c in enumerate(sorted(nw))]
    ind = _check(_csv("code,value", rows)).indicator
    assert ind is not None and ind.level in ("lad19", "lad24") and ind.map_level == "district"
    blackpool = upload.place_value(ind, places.get("blackpool"))
    assert blackpool.value is not None and blackpool.note == ""
    town = upload.place_value(ind, places.get("workington-parish-wards"))
    assert town.value is not None and "lies inside" in town.note


def test_indicator_names_and_ids() -> None:
    data = b"code,value\nE01012673,1\n"
    a = upload.check_upload(data, filename="ward_service-use.csv").indicator
    b = upload.check_upload(data, name="  My   name ").indicator
    assert a is not None and b is not None
    assert a.name == "ward service-use" and b.name == "My name"
    assert a.id != b.id and a.id.startswith("user-")


def test_places_wholly_covered_by_an_upload_come_first(west_cumbria_wards: list[str],
                                                       places) -> None:
    ind = _check(_csv("code,value", [f"{c},1" for c in west_cumbria_wards])).indicator
    candidates = [places.get(i) for i in ("blackpool", "allerdale", "workington-parish-wards",
                                          "eden", "copeland")]
    covered = [p.id for p in upload.places_covered(ind, candidates)]
    assert covered == ["allerdale", "workington-parish-wards", "copeland"]
    assert ind.describe() == (f"Test: {len(west_cumbria_wards)} electoral wards (December "
                              "2019). Uploaded by the user, not verified (file test.csv).")
