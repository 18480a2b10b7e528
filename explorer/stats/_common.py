"""Shared helpers for the stats package: confidence handling and array coercion.

Kept private so the public modules stay small; nothing here knows about Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

#: Scalar or array-like numeric input accepted by the vectorised helpers.
Numeric: TypeAlias = float | int | npt.ArrayLike
#: Return type of the vectorised helpers: a float for scalar input, else an array.
FloatOrArray: TypeAlias = float | npt.NDArray[np.float64]

#: The two confidence levels Fingertips publishes.
CONFIDENCE_95: float = 0.95
CONFIDENCE_998: float = 0.998
STANDARD_CONFIDENCES: tuple[float, float] = (CONFIDENCE_95, CONFIDENCE_998)


def normalise_confidence(confidence: float) -> float:
    """Return confidence as a fraction in [0.9, 1).

    Accepts 0.95-style fractions or 95-style percentages (as the R package does), so that
    callers copying Fingertips metadata ("95", "99.8") do not have to convert first.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.number)):
        raise TypeError(f"confidence must be numeric, got {type(confidence).__name__}")
    conf = float(confidence)
    if math.isnan(conf):
        raise ValueError("confidence must not be NaN")
    if 90 <= conf < 100:
        conf /= 100
    if not 0.9 <= conf < 1:
        raise ValueError(
            f"confidence must be between 0.9 and 1 (or 90 and 100), got {confidence!r}"
        )
    # Round away float noise from the percentage conversion (99.8 / 100 -> 0.998).
    return round(conf, 10)


def normalise_confidences(confidence: float | Sequence[float]) -> list[float]:
    """Normalise one or several confidence levels, rejecting duplicates."""
    values = [confidence] if isinstance(confidence, (int, float, np.number)) else list(confidence)
    if not values:
        raise ValueError("at least one confidence level is required")
    out = [normalise_confidence(c) for c in values]
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate confidence levels: {values!r}")
    return out


def confidence_label(confidence: float) -> str:
    """Human label used in outputs and by Fingertips, e.g. 0.95 -> "95%", 0.998 -> "99.8%"."""
    pct = normalise_confidence(confidence) * 100
    text = f"{pct:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def as_float_array(values: Numeric) -> npt.NDArray[np.float64]:
    """Coerce input (scalar, list, Series, array with None/pd.NA) to a float64 array.

    Missing markers become NaN so downstream code can rely on a single missing value.
    """
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.asarray(values, dtype=object)
        flat = [np.nan if _is_missing(v) else float(v) for v in arr.ravel()]
        return np.asarray(flat, dtype=np.float64).reshape(arr.shape)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and pd.NA-like values
    except TypeError:  # pd.NA raises on bool()
        return True


def is_scalar_input(*values: Numeric) -> bool:
    """True when every input is a scalar, so results should be returned as floats."""
    return all(np.ndim(v) == 0 for v in values)


def to_output(arr: npt.NDArray[np.float64], scalar: bool) -> FloatOrArray:
    """Return a float for scalar calls and the array otherwise."""
    return float(arr.reshape(-1)[0]) if scalar else arr
