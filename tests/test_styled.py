"""A shared styler (ui/styled.py) draws exactly what a plain pandas Styler draws, with its
styles worked out once however many times, and from however many threads, it is drawn."""

from __future__ import annotations

import threading

import pandas as pd
from pandas.io.formats.style import Styler
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData

from ui.styled import shared_styler


def _frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.DataFrame({"Indicator": ["Smoking", "Obesity"], "Eden": ["12.1", "–"],
                         "Blackpool": ["20.3 ▼", "30.1"]})
    css = pd.DataFrame("", index=data.index, columns=data.columns)
    css.loc[0, "Blackpool"] = "background-color: #c2410c; color: #ffffff"
    css.loc[1, "Blackpool"] = "background-color: #f2c14e; color: #000000"
    return data, css


def _proto(styler: Styler) -> ArrowData:
    proto = ArrowData()
    marshall_styler(proto, styler, "default")
    return proto


def test_a_shared_styler_draws_what_a_plain_one_draws_and_computes_once(monkeypatch):
    data, css = _frame()
    plain = data.style.apply(lambda _: css, axis=None)
    plain.set_uuid("rugtest")
    expected = _proto(plain)
    assert "#c2410c" in expected.styler.styles

    computed = []
    real = Styler._compute
    monkeypatch.setattr(Styler, "_compute", lambda self: computed.append(1) or real(self))
    shared = shared_styler(data, css, uuid="rugtest")
    threads = [threading.Thread(target=_proto, args=(shared,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    again = _proto(shared)
    assert len(computed) == 1  # eight sessions and a rerun: one computation
    assert again.styler.styles == expected.styler.styles
    assert again.styler.display_values == expected.styler.display_values
    assert again.styler.uuid == "rugtest"


def test_text_cells_reach_streamlit_without_an_id_to_match_and_numbers_keep_theirs():
    data = pd.DataFrame({"Indicator": ["Smoking", "Obesity"], "Eden": [12.25, None]})
    css = pd.DataFrame("", index=data.index, columns=data.columns)
    plain = data.style.apply(lambda _: css, axis=None)
    plain.set_uuid("rugtest")
    shared = shared_styler(data, css, uuid="rugtest")
    assert _proto(shared).styler.display_values == _proto(plain).styler.display_values
    body = shared._translate(False, False)["body"]
    ids = [c.get("id") for row in body for c in row if c.get("type") == "td"]
    assert ids == [None, "row0_col1", None, "row1_col1"]  # text: its own display value
