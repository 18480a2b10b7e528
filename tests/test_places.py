"""Place registry: built-ins, name resolution and the invariants of a place's profile."""

from __future__ import annotations

import pytest

from explorer.places import UnknownPlaceError
from explorer.profile import profile


def test_builtin_families(places):
    districts19 = [p for p in places.all() if p.kind in ("district", "former district")
                   and p.lsoa11]
    assert len({p.code for p in districts19}) >= 317
    former = {p.name: p for p in places.all("former district")}
    for name in ("Allerdale", "Barrow-in-Furness", "Carlisle", "Copeland", "Eden",
                 "South Lakeland"):
        assert former[name].note == "former district, to March 2023"
    assert {"Cumberland", "Westmorland and Furness"} <= {p.name for p in places.all("district")}
    assert len(places.all("icb")) == 42
    assert len(places.all("ward")) > 800
    assert places.get("england").kind == "country"


@pytest.mark.parametrize(("text", "expected"), [
    ("Eden", "eden"), ("eden district", "eden"), ("EDEN", "eden"), ("E07000030", "eden"),
    ("Blackpool", "blackpool"), ("Workington", "workington-parish-wards"),
    ("Workington BUA", "workington-bua"), ("Lancashire and South Cumbria ICB",
                                           "icb-lancashire-and-south-cumbria"),
    ("Cheshire and Merseyside", "icb-cheshire-and-merseyside"),
    ("Pennine Lancashire", "pennine-lancashire"), ("fylde coast", "fylde-coast"),
    ("Morecambe Bay", "morecambe-bay"),
])
def test_resolution(places, text, expected):
    assert places.resolve(text).id == expected


def test_unknown_place_lists_closest_matches(places):
    with pytest.raises(UnknownPlaceError) as err:
        places.resolve("Edenn")
    assert "Eden" in err.value.suggestions
    assert "Did you mean" in str(err.value)


def test_a_link_names_places_by_id_code_name_or_alias(places):
    known = [p.id for p in places.all()]
    ids, problems = places.read_link(
        ["Workington", "E07000030", "eden", "BLACKPOOL", "blakpool", "atlantis"], known)
    assert ids == ["workington-parish-wards", "eden", "blackpool"]  # Eden once
    assert problems[0].startswith("unknown place 'blakpool' (did you mean Blackpool")
    assert problems[1] == "unknown place 'atlantis'"
    # a place the page does not offer is not in its link, whatever it is called
    ids, problems = places.read_link(["Eden", "north-west"], ["north-west"])
    assert ids == ["north-west"] and problems[0].startswith("unknown place 'Eden'")


def test_suggestions_start_with_names_that_begin_with_the_text(places):
    assert set(places.suggest("working")[:2]) == {"Workington (parish wards)",
                                                   "Workington (built-up area)"}


def test_workington_definitions(places):
    wards = places.get("workington-parish-wards")
    assert "Moorclose & Moss Bay" in wards.definition
    assert "Stainburn & Clifton" in wards.definition
    assert len(wards.lsoa11) == 20
    bua = places.get("workington-bua")
    assert "E34005018" in bua.definition and len(bua.lsoa11) == 16


@pytest.mark.parametrize("place_id", ["blackpool", "eden", "workington-parish-wards",
                                      "pennine-lancashire", "icb-lancashire-and-south-cumbria",
                                      "ward-e05011735", "kendal", "cumberland"])
@pytest.mark.parametrize("vintage", [2019, 2025])
def test_decile_populations_sum_to_population(places, place_id, vintage):
    pr = profile(places.get(place_id), vintage)
    assert sum(pr.decile_population) == pr.population > 0
    assert sum(pr.decile_lsoa_count) == pr.lsoa_count
    assert pr.core20_population == sum(pr.decile_population[:2])
    assert not pr.missing_lsoas


def test_every_north_west_ward_and_district_has_lsoas(places):
    for p in places.all("ward") + places.all("district"):
        assert p.lsoa11 or p.lsoa21, p.id


def test_former_district_has_no_2025_rank(places):
    assert profile("eden", 2025).district_rank is None
    assert profile("eden", 2019).district_rank is not None


def test_places_hash_cheaply_and_still_compare_by_every_field(places):
    """Places key the shared caches: the hash uses the id, kind, code and sizes (not all
    66,000 of England's codes); equality still compares the LSOAs."""
    import dataclasses

    england = places.get("england")
    same = dataclasses.replace(england)
    assert same == england and hash(same) == hash(england)
    other = dataclasses.replace(england, lsoa11=england.lsoa11[:-1] + ("E01999999",))
    assert other != england


def test_a_profile_is_worked_out_once_and_read_only(places):
    import dataclasses

    from explorer.profile import profile

    first = profile("eden", 2019)
    assert profile(places.get("eden"), 2019) is first
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.population = 0  # type: ignore[misc]


def test_lsoa21_best_fit_is_the_half_of_parents_rule(places):
    """A 2021 LSOA belongs to a set of 2011 LSOAs when at least half of its 2011 parents are
    in the set: the arrays' answer against a plain group-by over the ONS lookup."""
    import random

    from explorer.places import lsoa21_from_lsoa11
    from loaders import snapshot

    lk = snapshot.table("lsoa11_lsoa21")
    n_parents = lk.groupby("lsoa21cd")["lsoa11cd"].nunique()

    def by_groupby(codes: set[str]) -> tuple[str, ...]:
        k = lk[lk["lsoa11cd"].isin(codes)].groupby("lsoa21cd")["lsoa11cd"].nunique()
        return tuple(sorted(c for c, v in k.items() if v / n_parents[c] >= 0.5))

    rng = random.Random(7)
    all11 = list(places.get("england").lsoa11)
    sets = [set(places.get(p).lsoa11) for p in ("eden", "workington-parish-wards",
                                                 "blackpool", "north-west")]
    sets += [set(rng.sample(all11, n)) for n in (1, 3, 40, 900)]
    for codes in sets:
        assert lsoa21_from_lsoa11(codes) == by_groupby(codes)
    # a merged pair (two 2011 parents, one 2021 child) is in with one parent of the two
    merged = n_parents[n_parents == 2].index[0]
    one = lk.loc[lk["lsoa21cd"] == merged, "lsoa11cd"].iloc[0]
    assert merged in lsoa21_from_lsoa11([one])
    assert lsoa21_from_lsoa11([]) == lsoa21_from_lsoa11(["E01999999", "junk"]) == ()
