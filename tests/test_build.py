"""The snapshot build: reproducible, and a bad raw input stops it and keeps the old snapshot."""

from __future__ import annotations

import json
import shutil

import pytest

from loaders.build import build

FAST = ("loaders.deprivation", "loaders.geography", "loaders.census")


def _mirror(raw, dest):
    """A symlinked mirror of the raw folder (nothing copied) whose files we can replace."""
    dest.mkdir()
    for item in raw.iterdir():
        (dest / item.name).symlink_to(item)
    return dest


def test_build_is_reproducible(raw_dir, tmp_path):
    a = build(FAST, raw=raw_dir, out=tmp_path / "a")
    b = build(FAST, raw=raw_dir, out=tmp_path / "b")
    sums_a = {k: v["output_sha256"] for k, v in a["tables"].items()}
    sums_b = {k: v["output_sha256"] for k, v in b["tables"].items()}
    assert sums_a == sums_b
    assert (tmp_path / "a" / "manifest.json").read_text() == \
        (tmp_path / "b" / "manifest.json").read_text()


def test_bad_input_stops_build_and_keeps_previous_snapshot(raw_dir, tmp_path):
    from loaders.schema import RawDataError

    out = tmp_path / "snap"
    build(("loaders.census",), raw=raw_dir, out=out)
    before = (out / "manifest.json").read_text()
    bad = _mirror(raw_dir, tmp_path / "raw")
    (bad / "nhsx-p24").unlink()
    (bad / "nhsx-p24").mkdir()
    src = raw_dir / "nhsx-p24" / "iod2019_lsoa11_scores_population.csv"
    lines = src.read_text().splitlines()
    header = lines[0].replace("IMD,", "IMD_renamed,", 1)
    (bad / "nhsx-p24" / src.name).write_text("\n".join([header, *lines[1:50]]) + "\n")
    with pytest.raises(RawDataError, match=r"iod2019_lsoa11_scores_population\.csv.*IMD"):
        build(("loaders.deprivation",), raw=bad, out=out)
    assert (out / "manifest.json").read_text() == before
    assert not list(tmp_path.glob(".snapshot-*")), "temporary folder left behind"
    shutil.rmtree(bad / "nhsx-p24")


def test_cli_reports_failure(raw_dir, tmp_path, capsys):
    from loaders.build import main

    rc = main(["--raw", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    assert rc == 1
    assert "Raw data folder not found" in capsys.readouterr().err
    assert json  # keep import used for readability of failures
