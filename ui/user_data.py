"""The user's own indicators: uploaded, checked, and kept in this session only.

Uploads stay in memory (Streamlit keeps uploaded files in memory; the checked indicator lives
in ``st.session_state``), so they are never written to disk and never seen by another user
of a hosted server. They disappear when the session ends; the page says so.

Other pages consume them with :func:`user_indicators` (the compare page through
``explorer.upload.indicator_row``, the map through ``UserIndicator.values()`` at
``UserIndicator.map_level``).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explorer import upload
from explorer.notes import escape_markdown
from explorer.places import Place

_KEY = "user_indicators"
_UPLOADER = "user_data_file"
EXPECTED_CHOICES = {"auto": "Detect from the codes", "lsoa": "LSOAs", "ward": "Wards",
                    "district": "Districts"}
POLARITY_CHOICES = {"no_judgement": "No judgement", "high_is_good": "Higher is better",
                    "low_is_good": "Lower is better"}
MAX_INDICATORS = 10
UPLOAD_LIMIT_MB = 25  # Streamlit refuses above this; up to it our check explains the 10 MB rule


def user_indicators() -> list[upload.UserIndicator]:
    """Indicators uploaded in this session, oldest first."""
    return list(st.session_state.get(_KEY, {}).values())


def add(indicator: upload.UserIndicator) -> None:
    """Keep an indicator for this session; one of the same name is replaced (re-checking a
    corrected file should not leave two versions side by side)."""
    current = {k: v for k, v in st.session_state.get(_KEY, {}).items()
               if v.name != indicator.name}
    if len(current) >= MAX_INDICATORS:
        raise ValueError(f"At most {MAX_INDICATORS} uploaded indicators per session; remove "
                         "one first.")
    current[indicator.id] = indicator
    st.session_state[_KEY] = current


def remove(indicator_id: str) -> None:
    current = dict(st.session_state.get(_KEY, {}))
    current.pop(indicator_id, None)
    st.session_state[_KEY] = current


def _show(messages: list[str], kind: str) -> None:
    """Messages quote cells of the user's file: escaped, so they display as typed."""
    show = st.error if kind == "error" else st.warning
    for msg in messages:
        show(escape_markdown(msg), icon=":material/error:" if kind == "error"
             else ":material/warning:")


def upload_panel() -> None:
    """Upload a CSV, choose its columns, see what is wrong or add it to the session."""
    st.caption("A CSV with an area code column (LSOA E01…, ward E05…, or district E06–E09…) "
               "and a value column, or a numerator and a denominator. Files stay in this "
               "browser session only: never saved on the server, never shown to other users, "
               f"gone when you close the tab. Limit {upload.MAX_BYTES // 1024 // 1024} MB.")
    file = st.file_uploader("CSV file", type=["csv", "txt"], key=_UPLOADER,
                            max_upload_size=UPLOAD_LIMIT_MB)
    if file is None:
        return
    data = file.getvalue()
    # once per file, not on every rerun while the file stays in the uploader
    first = upload.check_once(st.session_state.setdefault("_upload_checks", {}), data,
                              filename=file.name)
    columns = first.columns
    if not columns:
        _show(first.errors, "error")
        return
    guessed = dict(first.guessed)
    if guessed.get("numerator") and guessed.get("denominator"):
        guessed["value"] = None  # counts found: a rate with its interval, not a value column
    none = "(none)"

    def pick(label: str, role: str, options: list[str], help_text: str) -> str | None:
        default = guessed.get(role)
        index = options.index(default) if default in options else 0
        choice = st.selectbox(label, options, index=index, help=help_text,
                              key=f"user_data_{role}_{file.file_id}")
        return None if choice == none else choice

    with st.form("user_data_form", border=True):
        name = st.text_input("Indicator name", value=upload.title_from_filename(file.name),
                             max_chars=80, help="Shown on the charts and tables.")
        c1, c2 = st.columns(2)
        with c1:
            code_col = pick("Area code column", "code", columns,
                            "The column holding ONS codes such as E01012345.")
            value_col = pick("Value column", "value", [none, *columns],
                             "The value for each area. Leave '(none)' when giving counts.")
            expected = st.radio("Areas in the file", list(EXPECTED_CHOICES),
                                format_func=EXPECTED_CHOICES.get, horizontal=True)
        with c2:
            num_col = pick("Numerator (optional)", "numerator", [none, *columns],
                           "Counts (e.g. people using the service). With a denominator, "
                           "places get a proper rate with a confidence interval.")
            den_col = pick("Denominator (optional)", "denominator", [none, *columns],
                           "The population the numerator is counted in.")
            unit = st.text_input("Unit (optional)", max_chars=30,
                                 help="For values without counts, e.g. 'per 1,000'.")
        polarity = st.radio("Which direction is better?", list(POLARITY_CHOICES),
                            format_func=POLARITY_CHOICES.get, horizontal=True)
        submitted = st.form_submit_button("Check the file", icon=":material/fact_check:",
                                          type="primary")
    if not submitted:
        return
    result = upload.check_upload(
        data, name=name, filename=file.name, code_col=code_col, value_col=value_col,
        numerator_col=num_col, denominator_col=den_col,
        expected_level=None if expected == "auto" else expected, unit=unit, polarity=polarity)
    if not result.ok or result.indicator is None:
        _show(result.errors, "error")
        _show(result.warnings, "warning")
        return
    _show(result.warnings, "warning")
    try:
        add(result.indicator)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.success(escape_markdown(result.indicator.describe()) + " Added to this session.",
               icon=":material/check_circle:")


def indicator_list(place_options: list[str], format_place: Callable[[str], str],
                   resolve_place: Callable[[str], Place]) -> None:
    """The session's uploaded indicators: what each is, a check for one place, remove."""
    items = user_indicators()
    if not items:
        st.info("No data of your own in this session yet.", icon=":material/upload_file:")
        return
    for ind in items:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(ind.name)}**")
            st.caption(escape_markdown(ind.describe()))
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            first = [p.id for p in upload.places_covered(
                ind, (resolve_place(i) for i in place_options))]
            ordered = [*first, *(i for i in place_options if i not in set(first))]
            place_id = c1.selectbox("Value for a place", ordered,
                                    format_func=format_place, key=f"user_place_{ind.id}",
                                    help="Places wholly covered by your data come first.")
            c2.button("Remove", key=f"user_remove_{ind.id}", icon=":material/delete:",
                      on_click=remove, args=(ind.id,))
            if place_id:
                pv = upload.place_value(ind, resolve_place(place_id))
                if pv.value is None:
                    st.caption(escape_markdown(pv.note))
                else:
                    shown = (f"{pv.value:.1%}" if ind.has_counts else f"{pv.value:,.3g}"
                             + (f" {ind.unit}" if ind.unit else ""))
                    ci = (f" (95% CI {pv.lower:.1%} to {pv.upper:.1%})"
                          if pv.lower is not None and pv.upper is not None else "")
                    st.markdown(f"**{escape_markdown(shown + ci)}**")
                    st.caption(escape_markdown(" ".join(
                        p for p in (pv.method + ".", f"Geography used: {pv.geography_used}.",
                                    pv.note) if p)))
