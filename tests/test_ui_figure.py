"""ui.figure: a chart spec is validated the first time it is drawn and not re-validated on a
rerun with the same inputs; the spec Streamlit gets is the same either way."""

from __future__ import annotations

from explorer.figure import decile_figure
from explorer.profile import profile
from ui import figure as ui_figure


def _fig():
    return decile_figure([profile("blackpool", 2019), profile("eden", 2019)], 2019)


def test_spec_is_validated_once_then_reused():
    ui_figure._VALIDATED.clear()
    first = _fig()
    key = ui_figure.prepare(first)
    assert key is not None and "to_dict" not in vars(first.chart)  # validates when drawn
    validated = first.chart.to_dict()
    ui_figure.remember(key)
    again = _fig()
    assert ui_figure.prepare(again) == key and "to_dict" in vars(again.chart)
    assert again.chart.to_dict() == validated
    other = decile_figure([profile("blackpool", 2019)], 2019)  # new inputs: validated again
    assert ui_figure.prepare(other) != key and "to_dict" not in vars(other.chart)
