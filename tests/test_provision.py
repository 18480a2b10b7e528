"""The inverse-care-law view: the national gradient reproduced independently from raw files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from explorer import provision as pv


def _raw_gradient(raw: Path, suffix: str, edition: int, n: int) -> dict[int, float]:
    """Payments per weighted patient by practice-deprivation group, straight from the CSVs.

    Independent of the loader and snapshot: csv module, no pandas. Groups hold equal
    shares of England's registered patients, ranked by practice IMD (most deprived first),
    a practice in the group its list's midpoint falls in.
    """
    imd: dict[str, float] = {}
    with (raw / "gp_practice_heec" / "practice_imd_score_fingertips93553.csv").open(
            encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["Year"] == str(edition) and row["Value"] not in ("", "NA"):
                imd[row["AreaCode"]] = float(row["Value"])
    rows = []
    path = raw / "nhs_payments_gp" / f"payments_to_general_practice_{suffix}.csv"
    with path.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            reg = float(row["Number of Registered Patients (Last Known Figure)"])
            wei = float(row["Number of Weighted Patients (Last Known Figure)"])
            code = row["Practice Code"].strip()
            if reg > 0 and wei > 0 and code in imd:
                rows.append((imd[code], code, reg, wei,
                             float(row["Total NHS Payments to General Practice"])))
    rows.sort(key=lambda r: (-r[0], r[1]))
    total_reg = sum(r[2] for r in rows)
    pay: dict[int, float] = {}
    wei: dict[int, float] = {}
    cum = 0.0
    for _, _, r, w, p in rows:
        mid = (cum + r / 2) / total_reg
        cum += r
        g = min(int(mid * n), n - 1) + 1
        pay[g] = pay.get(g, 0.0) + p
        wei[g] = wei.get(g, 0.0) + w
    return {g: pay[g] / wei[g] for g in sorted(pay)}


@pytest.mark.parametrize(("year", "suffix", "edition"), [("2022/23", "22-23", 2019),
                                                        ("2014/15", "14-15", 2015)])
def test_national_gradient_per_weighted_patient_equals_raw_computation(raw_dir, places, year,
                                                                       suffix, edition):
    g = pv.gradient(places.get("england"), year, "quintile")
    expected = _raw_gradient(raw_dir, suffix, edition, 5)
    got = dict(zip(g.groups["group"], g.groups["payments_per_weighted_patient"], strict=True))
    assert list(got) == [1, 2, 3, 4, 5]
    for grp, value in expected.items():
        assert round(got[grp], 2) == round(value, 2), grp  # to the penny per patient
    # the most deprived fifth get less per weighted patient than the least deprived
    assert got[1] < got[5]


def test_quintiles_hold_equal_fifths_of_patients(places):
    g = pv.gradient(places.get("england"), "2022/23", "quintile")
    shares = g.groups["registered_patients"] / g.groups["registered_patients"].sum()
    assert shares.between(0.195, 0.205).all()
    d = pv.gradient(places.get("england"), "2022/23", "decile")
    assert len(d.groups) == 10


def test_care_payments_exclude_listed_items(places):
    nat = pv.national("2022/23")
    row = nat.loc["A81001"]
    assert row["care"] == pytest.approx(row["total"] - row["dispensing"] - row["premises"]
                                        - row["other_non_care"])
    g = pv.gradient(places.get("england"), "2022/23")
    assert (g.groups["care_payments_per_weighted_patient"]
            < g.groups["payments_per_weighted_patient"]).all()


def test_finding_title_states_the_gradient(places):
    g = pv.gradient(places.resolve("North West"), "2022/23")
    assert g.title.startswith("Practices in North West serving the most deprived fifth")
    assert "less per need-weighted patient" in g.title and "£" in g.title


def test_a_one_sided_place_is_set_against_an_england_group_the_chart_draws(raw_dir, places):
    """Blackpool's practices all serve the most deprived fifth, so its finding sets them
    against the practices serving England's least deprived fifth. That figure (from the raw
    CSVs, independently) is in the title beside Blackpool's, in the care sentence's
    comparison, on the chart (England's outline at quintile 5) and in the table twin."""
    from explorer.provision_charts import gradient_bars
    from ui.charts import screen_spec

    g = pv.gradient(places.get("blackpool"), "2022/23", "quintile")
    assert list(g.groups["group"]) == [1] and g.reference_group == 5
    b = g.reference["payments_per_weighted_patient"]
    assert round(b, 2) == round(_raw_gradient(raw_dir, "22-23", 2019, 5)[5], 2)
    a = g.total["payments_per_weighted_patient"]
    assert g.title.endswith(f"(£{a:,.2f} against £{b:,.2f}, 2022/23)")
    assert f"£{abs(a - b):,.2f}" in g.title and "England's least deprived fifth" in g.title
    care = g.reference["care_payments_per_weighted_patient"]
    assert (f"against £{care:,.2f} for practices serving England's least deprived fifth"
            in pv.care_sentence(g))

    chart = gradient_bars(g.groups, g.title, "quintile",
                          g.england["payments_per_weighted_patient"], g.england_groups)
    spec, _, subtitle, _ = screen_spec(chart)
    rows = [r for d in spec["datasets"].values() for r in d]
    drawn = {(r["group"], r["measure"]): r["value"] for r in rows if r.get("who") == "England"}
    assert len(drawn) == 10 and drawn[(5, "All payments")] == b
    assert "black outlines: England's practices in the same group" in subtitle

    twin = pv.gradient_table(places.get("blackpool"), "2022/23", "quintile")
    assert list(twin.iloc[:, 0]) == ["1", "2", "3", "4", "5", "All"]
    assert list(twin["Practices"]) == [14, 0, 0, 0, 0, 14]
    assert twin["England £ per weighted patient"].iloc[4] == b
    assert twin["England £ per weighted patient"].iloc[5] == \
        g.england["payments_per_weighted_patient"]
    assert list(pv.need_table(places.get("blackpool"), "2022/23").iloc[:, 0]) == ["1", "All"]
    doc = json.loads(json.dumps(g.to_json()))
    assert doc["reference_group"] == 5 and len(doc["england"]["groups"]) == 5


def test_a_place_with_both_ends_compares_its_own_and_england_has_no_outlines(places):
    nw = pv.gradient(places.get("north-west"), "2022/23")
    assert nw.reference_group is None and nw.reference is None
    eng = pv.gradient(places.get("england"), "2022/23")
    assert eng.england_groups is eng.groups and eng.england == eng.total
    assert "England £ per weighted patient" not in pv.gradient_table(places.get("england"))
    assert nw.england == eng.total  # one England, whichever place asks


def test_blackpool_practices_and_quadrant(places):
    bp = places.resolve("Blackpool")
    q = pv.quadrant(bp, "2022/23")
    members = pv.practices(bp, "2022/23")
    assert len(q) == int(members["eligible"].sum()) >= 10
    assert (members["share"] >= 0.5).all()
    assert set(q["quadrant"]) <= set(pv.QUADRANTS)
    # Blackpool's practices are all above England's median practice IMD
    assert (q["imd_score"] > q.attrs["need_median"]).all()
    assert not q["display_name"].str.contains(r"\bDrs?\b", case=False, regex=True).any()


def test_gap_trend_covers_every_year(places):
    t = pv.gap_trend(places.get("england"))
    assert list(t["year"]) == list(pv.YEARS)
    assert t["gap_per_weighted"].notna().all()
    assert (t["gap_per_weighted"] < 0).all()  # England: most deprived fifth always get less


def test_a_place_without_both_ends_says_so_in_words(places):
    """Blackpool's practices all serve the most deprived fifth: no year has both ends."""
    blackpool = places.get("blackpool")
    t = pv.gap_trend(blackpool)
    assert t["gap_per_weighted"].isna().all()
    assert pv.trend_title(t, blackpool) == (
        "In none of the 9 years does Blackpool have practices in both the most "
        "and the least deprived fifth: no trend in the gap can be drawn")
    one = t.assign(gap_per_weighted=[None] * 8 + [-2.5])
    assert pv.trend_title(one, blackpool).startswith("Only in 2022/23 does Blackpool")


def test_json_shape(places):
    g = pv.gradient(places.resolve("North West"), "2022/23", "quintile")
    doc = json.loads(json.dumps(g.to_json()))
    assert {"groups", "total", "year", "definition", "source"} <= set(doc)
    first = doc["groups"][0]
    for key in ("group", "practices", "registered_patients", "weighted_patients", "payments",
                "payments_per_registered_patient", "payments_per_weighted_patient",
                "care_payments_per_registered_patient", "care_payments_per_weighted_patient",
                "imd_score", "le_male", "qof_hyp"):
        assert key in first and key in doc["total"]
    assert first["group"] == 1


def test_year_labels_and_errors():
    assert pv.year_label("2022-23") == "2022/23"
    assert pv.year_label("2015") == "2014/15"
    with pytest.raises(pv.ProvisionError, match="2014/15 to 2022/23"):
        pv.year_label("2030-31")


def test_display_name_never_names_a_doctor():
    assert pv.display_name("DR S KHAN'S PRACTICE", "P1") == "Practice P1"
    assert pv.display_name("DRS SMITH AND PARTNERS", "P2") == "Practice P2"
    assert pv.display_name("JOSHI NA", "P4") == "Practice P4"  # surname and initials
    assert pv.display_name("SMITH & PARTNERS", "P5") == "Practice P5"
    assert pv.display_name("QUEENS PARK MEDICAL CENTRE", "P3") == "Queens Park Medical Centre"


def test_cli_json_csv_table_and_errors(capsys):
    import io

    from explorer.__main__ import main

    buf = io.StringIO()
    assert main(["provision", "Blackpool", "--year", "2022-23", "--format", "json"],
                out=buf) == 0
    doc = json.loads(buf.getvalue())
    assert doc["year"] == "2022/23" and doc["groups"][0]["group"] == 1
    assert doc["total"]["practices"] == sum(g["practices"] for g in doc["groups"])
    buf = io.StringIO()
    assert main(["provision", "england", "--by", "decile", "--format", "csv"], out=buf) == 0
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("group,practices,registered_patients") and len(lines) == 12
    buf = io.StringIO()
    assert main(["provision", "North West", "--format", "table"], out=buf) == 0
    assert buf.getvalue().startswith("Practices in North West serving the most deprived")
    assert main(["provision", "england", "--year", "2031-32"], out=io.StringIO()) == 2
    assert "2014/15 to 2022/23" in capsys.readouterr().err


def test_builtin_scene_figures_hold(places):
    """data/scenes.yaml quotes these North West figures."""
    nw = places.get("north-west")
    g = pv.gradient(nw, "2022/23")
    gap = g.groups.iloc[-1]["payments_per_weighted_patient"] - g.groups.iloc[0][
        "payments_per_weighted_patient"]
    assert round(gap) == 16 and round(gap / g.groups.iloc[-1][
        "payments_per_weighted_patient"] * 100) == 10
    t = pv.gap_trend(nw)
    assert round(-t.iloc[0]["gap_per_weighted"]) == 7
    assert "£5.28 (4%) less" in pv.care_sentence(g)


def test_england_care_payments_are_flat_across_the_gradient(places):
    """Nationally the gap is in the non-care items; the page says so beside the title."""
    g = pv.gradient(places.get("england"), "2022/23")
    care = g.groups["care_payments_per_weighted_patient"]
    assert care.max() - care.min() < 3
    assert g.to_json()["finding_care"].endswith("more.")


def test_a_group_summary_over_masks_equals_one_over_the_filtered_rows(places):
    """The gradient sums each group through a mask over the practices' columns; that is the
    pandas summary of the group's own rows, missing values and all (exactly, not nearly)."""
    import numpy as np

    df = pv.practices(places.get("blackpool"), "2022/23").reset_index(drop=True)
    df.loc[1, "weighted"] = np.nan  # a missing count is 0 in a sum, as in pandas
    need = next(iter(pv.NEED_MEASURES))
    df.loc[2, need] = np.nan  # a missing need value leaves the practice out of its mean
    cols = pv._columns(df)
    for g in range(1, 6):
        mask = df["eligible"].to_numpy(dtype=bool) & (df["quintile"] == g).to_numpy()
        if not mask.any():
            continue
        part = df[mask]
        got = pv._summarise(cols, mask)
        reg, wei, pay = part["registered"].sum(), part["weighted"].sum(), part["total"].sum()
        assert got["practices"] == len(part)
        assert got["registered_patients"] == round(float(reg), 2)
        assert got["weighted_patients"] == round(float(wei), 2)
        assert got["payments_per_weighted_patient"] == float(pay) / float(wei)
        known = part.dropna(subset=[need, "registered"])
        known = known[known["registered"] > 0]
        mean = float((known[need] * known["registered"]).sum() / known["registered"].sum())
        assert got[need] == pytest.approx(mean, rel=1e-12)
