"""Data and methods: where every figure comes from and how it is computed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.places import KINDS, registry
from explorer.profile import CORE20_DEFINITION
from explorer.provenance import attributions, check_snapshot, inputs_table, sources_table
from ui import tables
from ui.frame import guard, require_app_frame

require_app_frame()

st.title("Data and methods")
st.markdown(
    "Every figure in this app is computed from a compact snapshot of official open data, "
    "bundled with the app so it runs offline. The snapshot is rebuilt from the publishers' "
    "files with `make data`; `data/snapshot/manifest.json` records, for every table, the "
    "publisher, dataset, vintage, licence, official URL, input checksums and row count.")

with guard("The snapshot check"):
    problems = check_snapshot()
    if problems:
        for file, reason in problems:
            st.error(f"Data file `{file}`: {reason}. Pages that need it show a message; "
                     "rebuild with `make data`.", icon=":material/database:")
    else:
        st.success("All snapshot tables are present and readable.", icon=":material/check:")

with guard("The source list"):
    st.subheader("Sources")
    # HTML tables: publisher, dataset, vintage and notes are read whole (a grid cut them)
    tables.show(sources_table(), {
        "table": tables.Col("text", label="Table"),
        "description": tables.Col("text", label="What it holds"),
        "publisher": tables.Col("text", label="Publisher"),
        "dataset": tables.Col("text", label="Dataset"),
        "vintage": tables.Col("long", label="Vintage"),  # one table lists 20 vintages
        "licence": tables.Col("text", label="Licence"),
        "url": tables.Col("source", label="Official URL"),
        # the notes are the longest text: the widest column, so rows are not ten lines tall
        "rows": tables.Col("int", label="Rows"), "notes": tables.Col("long", label="Notes")},
        label="Sources of the snapshot tables", max_height=640, prose=True)
    with st.expander("Input files and checksums"):
        tables.show(inputs_table(), {
            "table": tables.Col("text", label="Table"), "role": tables.Col("text", label="Role"),
            "file": tables.Col("text", label="File"),
            "sha256": tables.Col("text", label="SHA-256")},
            caption="Inputs are relative to the shared raw-data folder the build reads "
                    "(make data); the snapshot file is the table as bundled.",
            label="Input files and checksums", max_height=480, prose=True)
    st.subheader("Attribution")
    for line in attributions():
        st.markdown(f"- {line}")

st.subheader("Methods")
st.markdown(f"""
- **Core20.** {CORE20_DEFINITION}. The share is residents in those LSOAs divided by all
  residents of the place. IoD2019 uses the MHCLG mid-2015 population denominators (File 7);
  IoD2025 denominators were not available, so IoD2025 shares use Census 2021 usual residents.
- **Population-weighted score.** The mean of LSOA scores weighted by population, as MHCLG's
  local-authority "average score" (Blackpool 45.04 in IoD2019, the most deprived district).
  District ranks: 1 = most deprived of the districts of that year.
- **Deciles and ranks** are the official ones (1 = most deprived); scores are never re-ranked.
  IoD2019 (LSOA 2011) and IoD2025 (LSOA 2021) are not directly comparable.
- **Places.** Districts, wards and ICBs follow ONS best-fit lookups of LSOAs. Towns are sets of
  December 2019 wards or ONS 2011 built-up areas through their MSOA best fit; their LSOA 2021
  sets are approximated through the ONS LSOA 2011→2021 lookup. Former Cumbrian districts
  (Allerdale, Barrow-in-Furness, Carlisle, Copeland, Eden, South Lakeland) existed to March 2023.
- **Confidence intervals.** Proportions: Wilson score intervals; rates: Byar's method (exact
  Poisson below 10 events), both computed with PHStatsMethods (OHID's port of
  PHEindicatormethods), at 95% or 99.8%.
- **Compared with England** (Fingertips method): *similar* when England's value lies inside the
  place's confidence interval; otherwise *better* or *worse* by the indicator's polarity, or
  *lower*/*higher* where there is no polarity. Counts under 10 are flagged as small numbers.
- **Slope index of inequality (SII)** and **relative index of inequality (RII)**: weighted
  regression of the indicator on the population-weighted relative deprivation rank, with
  simulated confidence limits, reproducing OHID's `phe_sii` golden test outputs.
- **No value is invented.** Where an indicator is published only for districts, a town or ward
  inside one district shows that district's value and says so; a place spanning several
  districts shows no value.
""")

with guard("The place definitions"):
    st.subheader("Place definitions")
    kind = st.selectbox("Kind", [k for k in KINDS if k not in ("lsoa", "custom")], index=4)
    places = registry().all(kind)
    st.caption(f"{len(places)} built-in places of this kind.")
    tables.show(pd.DataFrame(
        [{"Name": p.name, "Link id": p.id, "Code": p.code, "Note": p.note,
          "LSOAs 2011": len(p.lsoa11), "LSOAs 2021": len(p.lsoa21), "Definition": p.definition}
         for p in places]), {"LSOAs 2011": tables.INT, "LSOAs 2021": tables.INT},
        label=f"Place definitions: {kind}", max_height=560, prose=True)
