"""Custom places: members -> LSOAs of both vintages (fit stated), the URL token, files, CLI.

The must-shows of issue 11: a custom place of the six Workington parish wards *is* the
built-in ``workington-parish-wards`` (profile and indicators), and one of all Blackpool's
LSOAs gives Blackpool's own Core20 share and QOF-attributed prevalences.
"""

from __future__ import annotations

import base64
import io
import json
import random

import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer import custom_places as cpl
from explorer.__main__ import indicator_records, main, profile_record
from explorer.places import registry
from explorer.profile import profile
from loaders import snapshot

WORKINGTON_WARDS = ["E05011735", "E05011736", "E05011737", "E05011730", "E05011738",
                    "E05011740"]
SAME_EXCEPT = ("id", "name", "kind", "definition", "rank_note")  # rank_note names the kind


def _self_neutral(records: list[dict], label: str) -> list[dict]:
    """Indicator records with 'geography_used' of the place itself made comparable."""
    out = []
    for r in records:
        r = dict(r)
        if r["geography_used"] == label:
            r["geography_used"] = "<the place itself>"
        out.append(r)
    return out


@pytest.fixture(scope="module")
def workington() -> cpl.CustomPlace:
    return cpl.build("Workington, my way", WORKINGTON_WARDS)


def test_workington_wards_are_the_builtin_place(workington: cpl.CustomPlace) -> None:
    builtin = registry().get("workington-parish-wards")
    assert workington.place.lsoa11 == builtin.lsoa11
    assert workington.place.lsoa21 == builtin.lsoa21
    for vintage in (2019, 2025):
        ours, theirs = (profile_record(p, vintage) for p in (workington.place, builtin))
        assert {k: v for k, v in ours.items() if k not in SAME_EXCEPT} == \
            {k: v for k, v in theirs.items() if k not in SAME_EXCEPT}
    ours = _self_neutral(indicator_records(workington.place), workington.place.label)
    theirs = _self_neutral(indicator_records(builtin), builtin.label)
    assert len(ours) > 40
    assert ours == theirs


def test_all_of_blackpools_lsoas_give_blackpools_figures() -> None:
    blackpool = registry().get("blackpool")
    cp = cpl.build("All of Blackpool", blackpool.lsoa11)
    assert cp.place.lsoa11 == blackpool.lsoa11
    ours, theirs = profile(cp.place, 2019), profile(blackpool, 2019)
    assert ours.core20_share == theirs.core20_share
    assert ours.core20_population == theirs.core20_population
    assert round(theirs.imd_score, 2) == 45.04  # MHCLG's published average score
    qof_ids = [i for i in ("qof-hyp", "qof-copd", "qof-dm", "qof-dep", "qof-ast")]
    ours_q = {r["indicator_id"]: r for r in indicator_records(cp.place)
              if r["indicator_id"] in qof_ids}
    theirs_q = {r["indicator_id"]: r for r in indicator_records(blackpool)
                if r["indicator_id"] in qof_ids}
    assert set(ours_q) == set(qof_ids)
    for i in qof_ids:
        assert ours_q[i]["value"] == theirs_q[i]["value"]
        assert ours_q[i]["count"] == theirs_q[i]["count"]
        assert ours_q[i]["denominator"] == theirs_q[i]["denominator"]


def test_definition_states_counts_and_members(workington: cpl.CustomPlace) -> None:
    d = workington.place.definition
    assert d.startswith("Custom place: 20 LSOAs (2011) / 20 LSOAs (2021).")
    assert "Moorclose & Moss Bay, Allerdale (E05011735)" in d
    assert "best-fits" in d  # ward best fit is said, not silent
    assert workington.summary == "custom place: 20 LSOAs (2011) / 20 LSOAs (2021)"


def _straddling_examples() -> tuple[str, str]:
    """An LSOA 2011 merged into a 2021 LSOA with another parent, and an LSOA 2021 whose
    2011 parent was split."""
    lk = snapshot.table("lsoa11_lsoa21")
    merged = lk[lk["change_code"] == "M"].iloc[0]["lsoa11cd"]
    split = lk[lk["change_code"] == "S"].iloc[0]["lsoa21cd"]
    return merged, split


def test_approximations_are_stated_with_population() -> None:
    merged, split = _straddling_examples()
    a = cpl.build("merged part", [merged])
    text = " ".join(a.fit)
    assert "LSOA 2021 version approximated" in text and "residents" in text
    b = cpl.build("split part", [split])
    text = " ".join(b.fit)
    assert "LSOA 2011 version approximated" in text and "residents" in text
    assert b.place.lsoa21 == (split,)


def test_mixed_levels_names_and_unknowns() -> None:
    eden = registry().get("eden")
    cp = cpl.build("Mixed", ["eden", "E02003923", " e01019001 ", "no such area"])
    assert set(eden.lsoa11) <= set(cp.place.lsoa11)
    assert set(eden.lsoa21) <= set(cp.place.lsoa21)
    assert cp.unknown == ("no such area",)
    levels = {m.level for m in cp.members}
    assert levels == {"district", "msoa11", "lsoa"}
    with pytest.raises(cpl.CustomPlaceError):
        cpl.build("Nothing", ["nonsense"])
    with pytest.raises(cpl.CustomPlaceError):
        cpl.build("<>*", WORKINGTON_WARDS)


def test_names_are_plain_text() -> None:
    assert cpl.clean_name("<script>alert(1)</script> **Grange** [Park](x)") == \
        "scriptalert1/script Grange Parkx"
    assert cpl.clean_name("St John's & Moss Bay\u0000\u202e") == "St John's & Moss Bay"


def test_place_id_is_stable_and_definition_specific() -> None:
    a = cpl.build("Grange Park", WORKINGTON_WARDS[:3])
    b = cpl.build("Grange Park", list(reversed(WORKINGTON_WARDS[:3])))
    c = cpl.build("Grange Park", WORKINGTON_WARDS[:4])
    assert a.place.id == b.place.id != c.place.id
    assert a.place.id.startswith("custom-grange-park-")


# --------------------------------------------------------------------------------------
# The URL token


@pytest.fixture(scope="module")
def code_pool() -> list[str]:
    g11 = snapshot.table("geo_lsoa11")
    nw = g11[g11["rgn19cd"] == "E12000002"]
    g21 = snapshot.table("geo_lsoa21")
    return sorted(set(nw["lsoa11cd"]) | set(nw["wd19cd"]) | set(nw["msoa11cd"])
                  | set(nw["lad19cd"]) | set(g21.loc[g21["rgncd"] == "E12000002",
                                                      "lsoa21cd"]))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), name=st.text(min_size=1, max_size=70))
def test_round_trip_random_member_sets(code_pool: list[str], data, name: str) -> None:
    codes = data.draw(st.lists(st.sampled_from(code_pool), min_size=1, max_size=80))
    if not cpl.clean_name(name):
        name = "Place"
    cp = cpl.build(name, codes)
    token = cp.token
    assert token[0] == cpl.VERSION
    assert set(token[1:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789-_")
    back, message = cpl.decode(token)
    assert message is None
    assert back is not None and back.place == cp.place and back.members == cp.members


@settings(max_examples=300, deadline=None)
@given(junk=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(
    lambda b: "1" + base64.urlsafe_b64encode(b).decode().rstrip("="))))
def test_junk_never_raises(junk: str) -> None:
    cp, message = cpl.decode(junk)
    assert (cp is None) == (message is not None) or cp is not None


@settings(max_examples=200, deadline=None)
@given(pos=st.integers(min_value=0, max_value=10_000), cut=st.booleans(),
       ch=st.sampled_from("AZaz09-_"))
def test_tampered_or_truncated_tokens_never_raise(pos: int, cut: bool, ch: str) -> None:
    token = cpl.encode("Workington wards", WORKINGTON_WARDS)
    i = pos % len(token)
    bad = token[:i] if cut else token[:i] + ch + token[i + 1:]
    cp, message = cpl.decode(bad)
    if bad == token:
        assert cp is not None
    else:
        assert cp is None and message and "ignored" in message


def test_zip_bomb_and_oversize_are_refused() -> None:
    import struct
    import zlib

    body = b"\x01A" + b"\x00" * 1_000_000
    blob = b"\x01" + zlib.compress(body, 9) + struct.pack(">I", zlib.crc32(body))
    token = "1" + base64.urlsafe_b64encode(blob).decode().rstrip("=")
    cp, message = cpl.decode(token)
    assert cp is None and message
    assert cpl.decode("1" + "A" * 20_000)[0] is None


def test_sixty_lsoa_place_fits_a_small_qr_code() -> None:
    """The figure in the README: a contiguous 60-LSOA neighbourhood and 60 scattered LSOAs."""
    g11 = snapshot.table("geo_lsoa11")
    blackburn = sorted(g11.loc[g11["lad19cd"] == "E06000008", "lsoa11cd"])[:60]
    scattered = random.Random(11).sample(sorted(g11.loc[g11["rgn19cd"] == "E12000002",
                                                        "lsoa11cd"]), 60)
    for codes in (blackburn, scattered):
        cp = cpl.build("Sixty neighbourhoods of my own", codes)
        link = ("https://explorer.example.org/compare?p=" + cp.place.id + "&ci=95&cp="
                + cp.token)
        qr = segno.make(link, error="m")
        print(f"60 LSOAs: token {len(cp.token)} chars, link {len(link)} chars, "
              f"QR version {qr.version} ({qr.symbol_size()[0]} modules incl. border)")
        assert len(cp.token) < 300
        assert qr.version <= 12


# --------------------------------------------------------------------------------------
# Files of places


def test_yaml_and_csv_round_trip(workington: cpl.CustomPlace) -> None:
    other = cpl.build("Eden & friends", ["eden", "E01019001"])
    text = cpl.export_yaml([workington, other])
    assert "# Moorclose & Moss Bay, Allerdale" in text
    back, messages = cpl.import_file(text.encode())
    assert messages == []
    assert [b.place for b in back] == [workington.place, other.place]
    back_csv, messages = cpl.import_file(cpl.export_csv([workington, other]))
    assert messages == [] and [b.place for b in back_csv] == [workington.place, other.place]


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"places: 3", b"[1, 2", b"a" * 300_000,
                                  b"places:\n  - name: x\n    members: [nonsense]",
                                  b"place,code\n,\n", b"- {name: ok}"])
def test_bad_files_give_messages(data: bytes) -> None:
    places, messages = cpl.import_file(data)
    assert places == [] and messages


def test_pasted_lists() -> None:
    tokens = cpl.split_codes("E05011735\nE05011736, E05011737;E01019001\t\n\n eden ")
    members, unknown = cpl.members_of([*tokens, "E05011740 E05011738", "zzz"])
    assert len(members) == 7 and unknown == ["zzz"]


# --------------------------------------------------------------------------------------
# CLI


def test_cli_members_give_the_builtin_json() -> None:
    def run(*argv: str) -> dict:
        out = io.StringIO()
        assert main(list(argv), out) == 0
        return json.loads(out.getvalue())

    ours = run("profile", "--members", ",".join(WORKINGTON_WARDS), "--name", "Workington")
    theirs = run("profile", "workington-parish-wards")
    assert ours["kind"] == "custom" and ours["name"] == "Workington"
    assert {k: v for k, v in ours.items() if k not in SAME_EXCEPT} == \
        {k: v for k, v in theirs.items() if k not in SAME_EXCEPT}
    ind = run("indicators", "--members", WORKINGTON_WARDS[0], "--members",
              ",".join(WORKINGTON_WARDS[1:]), "--name", "Workington")
    assert len(ind) > 40 and {r["indicator_id"] for r in ind} >= {"qof-copd", "qof-hyp"}


def test_cli_bad_members_exit_2(capsys) -> None:
    assert main(["profile", "--members", "nonsense"], io.StringIO()) == 2
    assert "None of the areas" in capsys.readouterr().err
    assert main(["profile"], io.StringIO()) == 2


# --------------------------------------------------------------------------------------
# Scenes hold custom places by name and definition


def test_scenes_hold_custom_places_by_name_and_definition() -> None:
    from explorer import scenes

    text = """
title: Workshop
custom_places:
  - name: Grange Park estates
    members: [E05011735, E05011736]
  - name: broken
    members: [nonsense]
  - just a string
scenes:
  - {title: Our patch, page: compare, state: {p: [Grange Park estates, eden]}}
  - {title: On the map, page: map, state: {r: Grange Park estates, lvl: lsoa}}
  - {title: Forged, page: compare, state: {p: [eden], cp: ["<script>"]}}
"""
    deck, messages = scenes.load_text(text)
    cp = cpl.build("Grange Park estates", ["E05011735", "E05011736"])
    assert any("broken" in m for m in messages) and any("needs a name" in m for m in messages)
    assert any("custom place definition" in m for m in messages)  # the forged token
    first, second, third = deck.scenes
    assert first.state["p"] == [cp.place.id, "eden"] and first.state["cp"] == [cp.token]
    assert second.state["r"] == cp.place.id and f"cp={cp.token}" in second.link()
    assert "cp" not in third.state
    again, more = scenes.load_text(scenes.dump(deck))
    assert again == deck and more == []
