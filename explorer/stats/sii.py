"""Slope and relative index of inequality (SII / RII) following OHID's ``phe_sii``.

PHStatsMethods has no SII, so this is a Python re-implementation of the method in the R
package PHEindicatormethods (Low & Low, J Public Health 2004;26:388-395):

1. Quantiles (e.g. deprivation deciles, most deprived first) get a relative rank ``b``: the
   midpoint of their share of the cumulative population; ``a`` is each quantile's share.
2. The value ``Y`` is regressed on the rank with the square-root weighting of the reference
   method, i.e. ordinary least squares of ``Y*sqrt(a)`` on ``sqrt(a)`` and ``b*sqrt(a)`` with no
   constant. The slope is the SII (fitted difference between rank 1 and rank 0) and the
   ``sqrt(a)`` coefficient is the intercept (fitted value at rank 0); RII = (intercept + SII) /
   intercept.
3. Confidence limits are simulated: each quantile's value is redrawn ``repetitions`` times from
   Normal(value, SE) - on the log scale for rates and logit scale for proportions, where the SE
   comes from the 95% limits - the regression is refitted for every draw and the limits are
   order statistics of the simulated SIIs/RIIs (the same positions R uses).
4. With ``transform=True`` (rates/proportions) the regression itself is done on the log/logit
   scale and the SII, RII, intercept and limits are transformed back around the fitted
   midpoint, as phe_sii does.

Random draws use NumPy's generator seeded per group from ``seed`` and the group key, so a
group's limits do not change when other groups are added or removed.
"""

from __future__ import annotations

import functools
import math
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._common import Numeric, as_float_array, normalise_confidences

__all__ = [
    "DEFAULT_REPETITIONS",
    "DEFAULT_SEED",
    "SIIDataWarning",
    "SIIResult",
    "ValueType",
    "compute_sii",
    "phe_sii",
    "relative_rank",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
#: 0 = other (e.g. life expectancy, normal errors), 1 = rate (log), 2 = proportion (logit).
ValueType: TypeAlias = Literal[0, 1, 2]

DEFAULT_REPETITIONS: Final = 100_000
DEFAULT_SEED: Final = 20040388  # any fixed number; J Public Health 2004;26:388
MIN_REPETITIONS: Final = 1000
MIN_QUANTILES: Final = 5
MAX_QUANTILES: Final = 100
_RELIABILITY_SAMPLES: Final = 10
_VALUE_TYPE_NAMES: Final = {0: "normal", 1: "rate", 2: "proportion"}
_VALUE_TYPE_ALIASES: Final = {"normal": 0, "other": 0, "rate": 1, "proportion": 2}
_TRANSFORM_NAMES: Final = {1: "log", 2: "logit"}
# phe_sii always derives the SE from 95% limits, whatever confidence is requested for the SII.


@functools.cache
def _z95() -> float:
    """scipy.stats.norm.ppf(0.975), without scipy.stats. scipy.special (~13 MB) is imported on
    the first SII, not by every server at start-up (the stats package is imported by pages
    that never compute one)."""
    from scipy.special import ndtri

    return float(ndtri(0.975))


class SIIDataWarning(UserWarning):
    """A group was left out of the SII output because its data cannot support the method."""


class _InvalidGroupError(ValueError):
    """Raised by the per-group preparation; the frame function turns it into a warning."""


@dataclass(frozen=True)
class SIIResult:
    """SII/RII for one group. CI dicts are keyed by confidence fraction (e.g. 0.95)."""

    sii: float
    rii: float
    intercept: float
    sii_ci: dict[float, tuple[float, float]]
    rii_ci: dict[float, tuple[float, float]]
    sii_mad: dict[float, float] = field(default_factory=dict)
    rii_mad: dict[float, float] = field(default_factory=dict)


def relative_rank(population: Numeric) -> FloatArray:
    """Midpoint of each quantile's slice of the cumulative population share (0-1).

    E.g. shares 0.12, 0.10, ... give ranks 0.06, 0.17, ... Input must be in quantile order.
    """
    pop = as_float_array(population).reshape(-1)
    share = pop / pop.sum()
    return np.cumsum(share) - share / 2


def _value_type(value_type: int | str) -> int:
    if isinstance(value_type, str):
        if value_type not in _VALUE_TYPE_ALIASES:
            raise ValueError(f"value_type must be 0, 1 or 2, got {value_type!r}")
        return _VALUE_TYPE_ALIASES[value_type]
    if isinstance(value_type, bool) or value_type not in (0, 1, 2):
        raise ValueError(f"value_type should be 0, 1 or 2, got {value_type!r}")
    return int(value_type)


def _forward(vt: int) -> Callable[[FloatArray], FloatArray]:
    """Scale on which the errors are normal: identity, log (rates) or logit (proportions)."""
    if vt == 1:
        return np.log
    if vt == 2:
        from scipy.special import logit

        return logit
    return lambda v: v


def _backward(vt: int) -> Callable[[FloatArray], FloatArray]:
    if vt == 1:
        return np.exp
    if vt == 2:
        from scipy.special import expit

        return expit
    return lambda v: v


def _order_positions(repetitions: int, confidence: float) -> tuple[int, int]:
    """0-based positions of the lower/upper limits among sorted simulations (as phe_sii).

    R uses ``round(reps * (1 - p))`` and ``round(reps * p)`` (1-based, round half to even)
    with p = confidence + (1 - confidence) / 2.
    """
    upper_p = confidence + (1 - confidence) / 2
    lo = int(np.rint(repetitions * (1 - upper_p)))
    hi = int(np.rint(repetitions * upper_p))
    return min(max(lo, 1), repetitions) - 1, min(max(hi, 1), repetitions) - 1


def _pick(samples: FloatArray, positions: Sequence[int]) -> FloatArray:
    """Order statistics at ``positions`` without a full sort."""
    return np.partition(samples, list(positions))[list(positions)]


def _prepare(
    population: Numeric,
    value: Numeric | None,
    x: Numeric | None,
    se: Numeric | None,
    lower_cl: Numeric | None,
    upper_cl: Numeric | None,
    vt: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return (population, value, value on error scale, SE on error scale) or raise."""
    pop = as_float_array(population).reshape(-1)
    if not np.all(np.isfinite(pop)) or np.any(pop <= 0):
        raise _InvalidGroupError("zero, negative or missing population")
    if value is not None:
        val = as_float_array(value).reshape(-1)
    elif x is not None and vt == 2:
        count = as_float_array(x).reshape(-1)
        if not np.all(np.isfinite(count)) or np.any(count <= 0):
            raise _InvalidGroupError("zero, negative or missing count x")
        val = count / pop
    else:
        raise ValueError("value is required (x may replace it only for proportions)")
    fwd = _forward(vt)
    with np.errstate(divide="ignore", invalid="ignore"):
        val_t = fwd(val)
        if se is not None:
            se_t = as_float_array(se).reshape(-1)
        else:
            assert lower_cl is not None and upper_cl is not None
            lcl = fwd(as_float_array(lower_cl).reshape(-1))
            ucl = fwd(as_float_array(upper_cl).reshape(-1))
            se_t = (ucl - lcl) / _z95() / 2
    if not np.all(np.isfinite(val_t)):
        raise _InvalidGroupError("missing value (or 0 for a rate/proportion)")
    if not np.all(np.isfinite(se_t)) or np.any(se_t < 0):
        raise _InvalidGroupError("negative or missing standard error / confidence limits")
    return pop, val, val_t, se_t


def compute_sii(
    population: Numeric,
    value: Numeric | None = None,
    *,
    x: Numeric | None = None,
    se: Numeric | None = None,
    lower_cl: Numeric | None = None,
    upper_cl: Numeric | None = None,
    value_type: ValueType | str = 0,
    transform: bool = False,
    multiplier: float = 1.0,
    repetitions: int = DEFAULT_REPETITIONS,
    confidence: float | Sequence[float] = 0.95,
    reliability_stat: bool = False,
    seed: int | np.random.Generator | None = DEFAULT_SEED,
) -> SIIResult:
    """SII, RII, intercept and simulated limits for ONE group, inputs in quantile order.

    Arguments mirror ``phe_sii`` (see :func:`phe_sii`); ``seed`` may also be a NumPy
    ``Generator``. Raises ``ValueError`` when the group cannot be used.
    """
    vt = _value_type(value_type)
    confs = _check_arguments(vt, transform, se, lower_cl, upper_cl, repetitions, confidence)
    if value is None and x is None:
        raise ValueError("value is required (or x for proportions)")
    pop, _, val_t, se_t = _prepare(population, value, x, se, lower_cl, upper_cl, vt)
    n = pop.size
    if not MIN_QUANTILES <= n <= MAX_QUANTILES:
        raise ValueError(f"number of quantiles must be between 5 and 100, got {n}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return _compute(
        pop, val_t, se_t, vt, transform, multiplier, repetitions, confs, reliability_stat, rng
    )


def _compute(
    pop: FloatArray,
    val_t: FloatArray,
    se_t: FloatArray,
    vt: int,
    transform: bool,
    multiplier: float,
    repetitions: int,
    confs: list[float],
    reliability_stat: bool,
    rng: np.random.Generator,
) -> SIIResult:
    a = pop / pop.sum()
    sqrt_a = np.sqrt(a)
    design = np.column_stack([sqrt_a, relative_rank(pop) * sqrt_a])  # (n, 2)
    # OLS through the origin: beta = (X'X)^-1 X'y, shared by the fit and every simulation.
    solver = np.linalg.solve(design.T @ design, design.T)  # (2, n)
    back = _backward(vt)
    # Regression scale: original units unless transform=True (then log/logit).
    y_fit = val_t if transform else back(val_t)
    intercept_t, slope_t = solver @ (y_fit * sqrt_a)

    if transform:
        f0, f1 = back(np.array(intercept_t)), back(np.array(intercept_t + slope_t))
        sii = float((f1 - f0) * multiplier)
        rii = float(f1 / f0)
        intercept = float(f0 * abs(multiplier))
        midpoint = intercept_t + slope_t / 2
    else:
        sii = float(slope_t * multiplier)
        rii = float((intercept_t + slope_t) / intercept_t)
        intercept = float(intercept_t)  # phe_sii leaves it unscaled in this case
        midpoint = math.nan
    if multiplier < 0:
        rii = 1 / rii

    n_samples = _RELIABILITY_SAMPLES if reliability_stat else 1
    positions = {c: _order_positions(repetitions, c) for c in confs}
    flat_pos = sorted({p for pair in positions.values() for p in pair})
    sii_ci: list[dict[float, tuple[float, float]]] = []
    rii_ci: list[dict[float, tuple[float, float]]] = []
    weights = (solver * sqrt_a).T  # (n, 2): maps sampled values straight to coefficients
    linear = transform or vt == 0  # no back-transform of the draws needed
    for _ in range(n_samples):
        noise = rng.standard_normal((repetitions, pop.size))
        if linear:  # (v + z*se) @ W == v @ W + z @ (se*W): avoids building the draws
            params = noise @ (se_t[:, None] * weights) + val_t @ weights
        else:
            params = back(val_t + noise * se_t) @ weights
        # params: (reps, 2) simulated intercepts and slopes
        sim_int, sim_slope = params[:, 0], params[:, 1]
        if transform:
            picked = dict(zip(flat_pos, _pick(sim_slope, flat_pos), strict=True))
            s_ci, r_ci = {}, {}
            for c, (lo_pos, hi_pos) in positions.items():
                s_ci[c], r_ci[c] = _back_transform_ci(
                    picked[lo_pos], picked[hi_pos], midpoint, back, multiplier
                )
        else:
            sim_sii = sim_slope * multiplier
            with np.errstate(divide="ignore", invalid="ignore"):
                sim_rii = (sim_slope + sim_int) / sim_int
                if multiplier < 0:
                    sim_rii = 1 / sim_rii
            ps = dict(zip(flat_pos, _pick(sim_sii, flat_pos), strict=True))
            pr = dict(zip(flat_pos, _pick(sim_rii, flat_pos), strict=True))
            s_ci = {c: (float(ps[lo]), float(ps[hi])) for c, (lo, hi) in positions.items()}
            r_ci = {c: (float(pr[lo]), float(pr[hi])) for c, (lo, hi) in positions.items()}
        sii_ci.append(s_ci)
        rii_ci.append(r_ci)

    sii_mad: dict[float, float] = {}
    rii_mad: dict[float, float] = {}
    if reliability_stat:
        sii_mad = {c: _mad([s[c] for s in sii_ci]) for c in confs}
        rii_mad = {c: _mad([r[c] for r in rii_ci]) for c in confs}
    return SIIResult(sii, rii, intercept, sii_ci[0], rii_ci[0], sii_mad, rii_mad)


def _back_transform_ci(
    slope_lo: float,
    slope_hi: float,
    midpoint: float,
    back: Callable[[FloatArray], FloatArray],
    multiplier: float,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Limits on the original scale from transformed-slope limits, pivoting on the midpoint.

    As phe_sii: the fitted line is rotated about its value at rank 0.5; a negative
    multiplier swaps the limits (and the RII is inverted). R tests ``multiplier < 1`` for
    rates, which only differs for 0 < multiplier < 1, where it would swap the limits of a
    positive multiplier; the sign is used here.
    """

    def ends(slope: float) -> tuple[float, float]:
        arr = back(np.array([midpoint - slope / 2, midpoint + slope / 2]))
        return float(arr[0]), float(arr[1])

    lo0, lo1 = ends(slope_lo)
    hi0, hi1 = ends(slope_hi)
    if multiplier < 0:
        sii_ci = ((hi1 - hi0) * multiplier, (lo1 - lo0) * multiplier)
        rii_ci = (1 / (hi1 / hi0), 1 / (lo1 / lo0))
    else:
        sii_ci = ((lo1 - lo0) * multiplier, (hi1 - hi0) * multiplier)
        rii_ci = (lo1 / lo0, hi1 / hi0)
    return sii_ci, rii_ci


def _mad(limits: list[tuple[float, float]]) -> float:
    """Mean absolute difference of samples 2..10 from sample 1, over both limits (phe_sii)."""
    arr = np.asarray(limits, dtype=float)  # (samples, 2)
    return float(np.mean(np.abs(arr[1:] - arr[0])))


def _check_arguments(
    vt: int,
    transform: bool,
    se: object,
    lower_cl: object,
    upper_cl: object,
    repetitions: int,
    confidence: float | Sequence[float],
) -> list[float]:
    """Argument checks shared by both entry points (same rules and messages as phe_sii)."""
    if se is None and (lower_cl is None or upper_cl is None):
        raise ValueError("requires either lower_cl and upper_cl, or se")
    if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)):
        raise TypeError("repetitions must be an integer")
    if repetitions < MIN_REPETITIONS:
        raise ValueError("number of repetitions must be 1000 or greater")
    if transform:
        if vt == 0:
            raise ValueError("value_type should be 1 or 2 when transform is true")
        if se is not None:
            raise ValueError("se must be missing when transform is true")
    return normalise_confidences(confidence)


def _suffix(confidence: float) -> str:
    """Column suffix used by phe_sii, e.g. 0.95 -> "95_0", 0.998 -> "99_8"."""
    return f"{confidence * 100:.1f}".replace(".", "_")


def _group_seed(seed: int | None, key: tuple[object, ...]) -> np.random.Generator:
    """Generator for one group, stable across runs and independent of the other groups."""
    if seed is None:
        return np.random.default_rng()
    plain = tuple(k.item() if isinstance(k, np.generic) else k for k in key)
    return np.random.default_rng([seed, zlib.crc32(repr(plain).encode())])


def phe_sii(
    data: pd.DataFrame,
    quantile: str,
    population: str,
    *,
    group_cols: str | Sequence[str] | None = None,
    x: str | None = None,
    value: str | None = None,
    value_type: ValueType | str = 0,
    transform: bool = False,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    se: str | None = None,
    multiplier: float = 1.0,
    repetitions: int = DEFAULT_REPETITIONS,
    confidence: float | Sequence[float] = 0.95,
    rii: bool = False,
    intercept: bool = False,
    reliability_stat: bool = False,
    output_type: Literal["full", "standard"] = "full",
    seed: int | None = DEFAULT_SEED,
) -> pd.DataFrame:
    """SII (and optionally RII, intercept, reliability MAD) per group, like R's ``phe_sii``.

    ``data`` has one row per group and quantile (quantile 1 = most deprived). Give ``value``
    (or ``x`` counts for proportions, value = x / population) and either ``se`` or the 95%
    ``lower_cl``/``upper_cl``. For rates (``value_type=1``) and proportions (2, on a 0-1
    scale) the SE is taken on the log/logit scale; a supplied ``se`` is assumed to be on that
    scale already, as in phe_sii. ``transform=True`` fits on the log/logit scale (needs the
    limits, not ``se``). ``multiplier`` scales the SII (e.g. 100 for percentage points); a
    negative one flips the sign and inverts the RII. ``confidence`` may list several levels
    (fractions or percentages). ``seed`` makes the simulated limits reproducible (None for
    fresh randomness).

    Groups with a missing quantile, a non-positive population, or a missing/invalid value or
    SE are left out with a :class:`SIIDataWarning` (phe_sii drops incomplete groups the same
    way). Returns one row per group, sorted by the group columns, with ``sii``, ``rii``,
    ``sii_lower95_0cl``-style limits, ``sii_mad95_0``-style MADs, ``intercept`` and, for
    ``output_type="full"`` (phe_sii's ``type``), the metadata columns ``indicator_type``,
    ``multiplier``, ``transform``, ``CI_confidence`` and ``CI_method``. Columns for options
    that are off are omitted.
    """
    vt = _value_type(value_type)
    confs = _check_arguments(vt, transform, se, lower_cl, upper_cl, repetitions, confidence)
    if value is None and (x is None or vt != 2):
        raise ValueError("requires value, or x if the indicator is a proportion (value_type=2)")
    if output_type not in ("full", "standard"):
        raise ValueError("output_type must be 'full' or 'standard'")
    groups = [group_cols] if isinstance(group_cols, str) else list(group_cols or [])
    numeric = [c for c in (population, x, value, se, lower_cl, upper_cl) if c is not None]
    missing = [c for c in [quantile, *groups, *numeric] if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    for col in numeric:
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise TypeError(f"column {col!r} must be numeric")
    if vt == 2:
        _check_proportion_scale(data, value, lower_cl, upper_cl)

    quantiles = np.sort(data[quantile].dropna().unique())
    if not MIN_QUANTILES <= len(quantiles) <= MAX_QUANTILES:
        raise ValueError(f"number of quantiles must be between 5 and 100, got {len(quantiles)}")
    if len(quantiles) > 10:
        warnings.warn(
            "small values can make the SII unstable with more than 10 quantiles",
            SIIDataWarning,
            stacklevel=2,
        )

    rows: list[dict[str, object]] = []
    dropped: list[str] = []
    grouped = data.groupby(groups, sort=True, dropna=False) if groups else [((), data)]
    for key, frame in grouped:
        key_t = key if isinstance(key, tuple) else (key,)
        ordered = frame.sort_values(quantile)
        if len(ordered) != len(quantiles) or not np.array_equal(
            ordered[quantile].to_numpy(), quantiles
        ):
            dropped.append(f"{key_t}: quantiles incomplete or duplicated")
            continue
        try:
            pop, _, val_t, se_t = _prepare(
                ordered[population],
                ordered[value] if value else None,
                ordered[x] if x else None,
                ordered[se] if se else None,
                ordered[lower_cl] if lower_cl else None,
                ordered[upper_cl] if upper_cl else None,
                vt,
            )
        except _InvalidGroupError as exc:
            dropped.append(f"{key_t}: {exc}")
            continue
        res = _compute(
            pop,
            val_t,
            se_t,
            vt,
            transform,
            multiplier,
            repetitions,
            confs,
            reliability_stat,
            _group_seed(seed, key_t),
        )
        rows.append(_result_row(groups, key_t, res, confs, rii, intercept, reliability_stat))

    if dropped:
        warnings.warn(
            f"SII not calculated for {len(dropped)} group(s) with incomplete or invalid data: "
            + "; ".join(dropped[:5])
            + (" ..." if len(dropped) > 5 else ""),
            SIIDataWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(
        rows, columns=_result_columns(groups, confs, rii, intercept, reliability_stat)
    )
    if output_type == "full":
        out["indicator_type"] = _VALUE_TYPE_NAMES[vt]
        out["multiplier"] = multiplier
        out["transform"] = _TRANSFORM_NAMES[vt] if transform else "none"
        out["CI_confidence"] = ", ".join(f"{c * 100:g}%" for c in confs)
        out["CI_method"] = f"simulation {repetitions} reps"
    return out


def _check_proportion_scale(
    data: pd.DataFrame, value: str | None, lower_cl: str | None, upper_cl: str | None
) -> None:
    """Proportions must be on a 0-1 scale; percentages would silently give nonsense."""
    for col, what in (
        (value, "value proportions"),
        (lower_cl, "confidence limit proportions"),
        (upper_cl, "confidence limit proportions"),
    ):
        if col is None:
            continue
        arr = as_float_array(data[col])
        if np.any((arr < 0) | (arr > 1)):
            raise ValueError(f"{what} are not all between 0 and 1")


def _result_columns(
    groups: list[str], confs: list[float], rii: bool, intercept: bool, reliability: bool
) -> list[str]:
    cols = [*groups, "sii"] + (["rii"] if rii else [])
    for c in confs:
        s = _suffix(c)
        cols += [f"sii_lower{s}cl", f"sii_upper{s}cl"]
        if rii:
            cols += [f"rii_lower{s}cl", f"rii_upper{s}cl"]
    if reliability:
        for c in confs:
            s = _suffix(c)
            cols += [f"sii_mad{s}"] + ([f"rii_mad{s}"] if rii else [])
    if intercept:
        cols.append("intercept")
    return cols


def _result_row(
    groups: list[str],
    key: tuple[object, ...],
    res: SIIResult,
    confs: list[float],
    rii: bool,
    intercept: bool,
    reliability: bool,
) -> dict[str, object]:
    row: dict[str, object] = dict(zip(groups, key, strict=True))
    row["sii"] = res.sii
    if rii:
        row["rii"] = res.rii
    for c in confs:
        s = _suffix(c)
        row[f"sii_lower{s}cl"], row[f"sii_upper{s}cl"] = res.sii_ci[c]
        if rii:
            row[f"rii_lower{s}cl"], row[f"rii_upper{s}cl"] = res.rii_ci[c]
    if reliability:
        for c in confs:
            s = _suffix(c)
            row[f"sii_mad{s}"] = res.sii_mad[c]
            if rii:
                row[f"rii_mad{s}"] = res.rii_mad[c]
    if intercept:
        row["intercept"] = res.intercept
    return row
