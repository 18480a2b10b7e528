"""House of Commons Library: recorded disease prevalence by MSOA (2011), c. 2018/19.

The Library apportioned NHS Digital QOF practice prevalence to MSOAs ("Constituency data: how
healthy is your area"). Only fractions are published (no counts, no England row), so the
rows are stored as MSOA values (area_type "msoa", percentages) and the app never combines
them into a population-weighted figure: a place gets the value of the single MSOA that
contains it, or the range across its MSOAs (see ``explorer.indicators``).

This module contributes rows to ``indicator_values`` (assembled by :mod:`loaders.fingertips`)
and builds no table of its own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.fingertips import Part, finalise
from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_codes, require_unique

HOC_URL = ("https://commonslibrary.parliament.uk/constituency-data-how-healthy-is-your-area/")
PERIOD = "2018/19"
N_MSOA = 6_791

#: column -> (indicator id, age basis of the underlying QOF register)
CONDITIONS: dict[str, tuple[str, str]] = {
    "Asthma": ("hoc-asthma", "6+ yrs"),
    "COPD": ("hoc-copd", "All ages"),
    "Chronic Kidney Disease": ("hoc-ckd", "18+ yrs"),
    "Coronary Heart Disease": ("hoc-chd", "All ages"),
    "Diabetes": ("hoc-diabetes", "17+ yrs"),
    "High Blood Pressure": ("hoc-hypertension", "All ages"),
    "Obesity": ("hoc-obesity", "18+ yrs"),
}


def _path(raw: Path) -> Path:
    return raw / "hoc_library_msoa_prevalence_2018" / "msoa_disease_prevalence.csv"


def parts(raw: Path) -> list[Part]:
    path = _path(raw)
    df = read_csv(path, ["msoa11cd", *CONDITIONS])
    require_codes(df["msoa11cd"], "E02", path)
    require_unique(df["msoa11cd"], path)
    if len(df) != N_MSOA:
        raise RawDataError(f"{path}: expected {N_MSOA:,} MSOAs, found {len(df):,}")
    frames = []
    for col, (ind, age) in CONDITIONS.items():
        v = pd.to_numeric(df[col], errors="raise")
        if ((v < 0) | (v > 1)).any():
            raise RawDataError(f"{path}: column '{col}' has fractions outside 0-1")
        frames.append(pd.DataFrame({"indicator_id": ind, "area_code": df["msoa11cd"],
                                    "age": age, "value": v * 100}))
    out = pd.concat(frames, ignore_index=True)
    out = out[out["value"].notna()]
    out["area_type"] = "msoa"
    out["period"] = PERIOD
    out["sex"] = "Persons"
    out["source"] = "hoc_msoa_prevalence"
    source = Source(
        publisher="House of Commons Library (from NHS Digital QOF)",
        dataset="Constituency data: how healthy is your area - recorded disease prevalence "
        "by MSOA (HealthDiseasePrevalence.xlsx, sheet 4)",
        vintage="c. 2018/19 QOF (labelled 2018 by the extract); MSOA 2011",
        licence=OGL,
        attribution="Contains Parliamentary information licensed under the Open Parliament "
        "Licence v3.0 and NHS Digital data licensed under the Open Government Licence v3.0.",
        url=HOC_URL,
        inputs=(path,),
        notes="traffordDataLab/local_covid-19 @ 8c078110 (data/clinical_vulnerabilities.csv). "
        "Fractions x 100; a modelled apportionment of recorded (QOF) prevalence; no counts "
        "and no England or district rows.",
    )
    return [Part("hoc_msoa_prevalence", finalise(out, path), source)]

