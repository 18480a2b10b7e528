"""Health Equity Explorer: navigation and the shared frame.

Run with ``make run`` (or ``streamlit run app.py``). Pages are registered explicitly here;
each page file reads like a description of its screen and asks ``explorer/`` for the numbers.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import theme, timing
from ui.custom_place import load_from_url as load_custom_places_from_url
from ui.frame import PRESENT_KEY, presentation_mode, run_page, seed_presentation_mode
from ui.present import presentation_bar

_run = timing.begin()  # HEE_TIMING_LOG: server-side run time (bench/bench_room.py)

# A bundled icon: a ":material/...:" page icon makes the browser fetch the favicon from
# Google Fonts, and the app must make no network request.
ICON = Path(__file__).resolve().parent / "ui" / "assets" / "icon.png"

st.set_page_config(page_title="Health Equity Explorer", page_icon=str(ICON),
                   layout="wide", initial_sidebar_state="auto")  # collapsed on phones

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/bar_chart:",
            default=True),
    st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map"),
    st.Page("pages/compare.py", title="Compare places", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("pages/core20plus5.py", title="CORE20PLUS5", icon=":material/health_and_safety:",
            url_path="core20plus5"),
    st.Page("pages/inequalities.py", title="Inequalities", icon=":material/stacked_line_chart:",
            url_path="inequalities"),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/glance.py", title="North West at a glance", icon=":material/grid_on:",
            url_path="glance"),
    st.Page("pages/provision.py", title="Is care where need is?", icon=":material/balance:",
            url_path="provision"),
    st.Page("pages/places.py", title="Your places", icon=":material/add_location_alt:",
            url_path="places"),
    st.Page("pages/facilitator.py", title="Facilitator", icon=":material/co_present:",
            url_path="facilitator"),
    st.Page("pages/sources.py", title="Data and methods", icon=":material/menu_book:",
            url_path="sources"),
]

seed_presentation_mode()
load_custom_places_from_url()
nav = st.navigation(PAGES, position="hidden" if presentation_mode() else "sidebar")
theme.apply(presentation_mode())
with st.sidebar:
    st.toggle("Presentation mode", key=PRESENT_KEY,
              help="Large type, no sidebar: for screen-sharing. Add ?present=1 to a link.")
    st.caption("Data: English Indices of Deprivation (MHCLG), ONS geography, OHID Fingertips, "
               "NHS England QOF, DWP, Census 2021. Open Government Licence v3.0. "
               "Runs offline on the bundled snapshot.")
with timing.recorded(_run, nav.url_path):
    presentation_bar(nav.url_path)
    run_page(nav)  # a damaged data file anywhere in a page: a message naming it
