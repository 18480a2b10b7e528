"""Your places: build a neighbourhood from wards, LSOAs, MSOAs or districts, name it, share it.

The builder and the saved list live in :mod:`ui.custom_place`; every number comes from the
same profile and indicator functions as for a built-in place.
"""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from ui import custom_place as cpu
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish

require_app_frame()

PAGE = "places"

st.title("Your places")
st.caption("Panels talk about places no publisher draws: an Integrated Care Community, a PCN's "
           "patch, the estates around a park. Build one from wards, LSOAs, MSOAs or whole "
           "districts, name it, and use it on every page. It travels in the link: nothing is "
           "stored on the server.")

left, right = st.columns([3, 2], gap="large")
with left, guard("The place builder"):
    st.subheader("Build a place")
    cpu.builder(key="page")
with right, guard("Your saved places"):
    st.subheader("Saved in this session")
    cpu.saved_list()
    ids = list(cpu.saved())
    state = {url_state.PLACES: ids[:4]} if ids else {}
    publish(state)
    copy_link(PAGE, state, label="Share these places")
