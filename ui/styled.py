"""A styled frame that ``st.dataframe`` draws on every run, with its styles worked out once.

Streamlit draws a pandas ``Styler`` by calling its ``_compute`` and ``_translate`` on every
call (``streamlit/elements/lib/pandas_styler_utils.py``): for the 45-column rug of the
at-a-glance page that is most of the page's CPU, the same on every run and for every
session choosing that view. :func:`shared_styler` makes one styler per view whose two
steps run once (under a lock: sessions draw it from several threads) and are read back
afterwards. It stays a plain ``Styler`` (Streamlit recognises stylers by their exact type
name, so a subclass would be drawn as an error): the two steps are wrapped on the instance.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler


def shared_styler(data: pd.DataFrame, styles: pd.DataFrame, uuid: str) -> Styler:
    """A styler showing ``data`` with the CSS of ``styles`` (same shape: one declaration per
    cell, "" for none), computed once however often it is drawn. ``uuid`` names its CSS
    rules (stable: the same view, the same rules). Read-only once made."""
    styler = Styler(data, uuid=uuid).apply(lambda _: styles, axis=None)
    lock = threading.RLock()
    compute, translate = styler._compute, styler._translate
    done: list[bool] = []
    translated: dict[str, dict] = {}

    def compute_once() -> Styler:
        with lock:
            if not done:
                compute()
                done.append(True)
        return styler

    def translate_once(sparse_index: bool, sparse_cols: bool, *args: Any,
                       **kwargs: Any) -> dict:
        # repr: pandas may pass lists (dxs), which cannot key a dict
        key = repr((sparse_index, sparse_cols, args, sorted(kwargs.items())))
        with lock:
            if key not in translated:
                translated[key] = _lean(translate(sparse_index, sparse_cols, *args,
                                                  **kwargs), data)
            return translated[key]

    styler._compute = compute_once  # type: ignore[method-assign]
    styler._translate = translate_once  # type: ignore[method-assign]
    return styler


_CELL_ID = re.compile(r"row(\d+)_col(\d+)")


def _lean(translated: dict, data: pd.DataFrame) -> dict:
    """The translation with the id taken off every body cell whose display value is its own
    text. Streamlit writes a styler's display values by matching each body cell's id against
    a pattern (``_use_display_values``: 2,700 cells for the rug, on every draw) over a copy
    of the data as text; a cell without an id keeps that text, which is what it displays."""
    body = []
    for row in translated.get("body", []):
        cells = []
        for cell in row:
            match = _CELL_ID.fullmatch(str(cell.get("id", "")))
            if match:
                value = data.iat[int(match[1]), int(match[2])]
                if isinstance(value, str) and cell.get("display_value") == value:
                    cell = {k: v for k, v in cell.items() if k != "id"}
            cells.append(cell)
        body.append(cells)
    return {**translated, "body": body}

