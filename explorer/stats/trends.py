"""Fingertips' recent-trend markers over the latest five points.

The method follows OHID's technical guidance for Fingertips trend markers, as
implemented in PHEindicatormethods' ``assign_trend_markers``:

* the test uses the most recent five values of a series of independent, yearly periods;
* **proportions** (crude or indirectly standardised) need a numerator and denominator and
  use the chi-square test for trend in proportions (Armitage; the score test of a
  logistic regression on time);
* **every other tested value type** (rates, ratios, life expectancy, means ...) needs 95%
  confidence limits; a weighted regression of value on time with weights 1/SE² (SE taken
  from the limits) gives the gradient and chi-square = beta² / var(beta);
* the trend is significant when chi-square exceeds 9.5495 (3.0902², two-sided 99.8%);
* a significant trend is reported as "No significant change" when leaving out any one of
  the five points reverses the gradient's sign (an outlier drives it);
* the direction is worded with the indicator's polarity: "Increasing and getting worse",
  or plain "Increasing"/"Decreasing" when no judgement is made.

Tidy in, tidy out: :func:`assign_trend_markers` takes a frame of series (one row per
period) and returns one row per series with the marker, its reason and method.
No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

#: chi-square (1 df) critical value at 99.8% two-sided: 3.090232² (as PHEindicatormethods).
CHI2_998 = 9.5495
#: The number of most recent points the marker is computed over (Fingertips' rule).
POINTS = 5
Z95 = 1.959963984540054

INCREASING = "Increasing"
DECREASING = "Decreasing"
INCREASING_BETTER = "Increasing and getting better"
INCREASING_WORSE = "Increasing and getting worse"
DECREASING_BETTER = "Decreasing and getting better"
DECREASING_WORSE = "Decreasing and getting worse"
NO_CHANGE = "No significant change"
CANNOT = "Cannot be calculated"
MARKERS = (INCREASING_BETTER, INCREASING_WORSE, DECREASING_BETTER, DECREASING_WORSE,
           INCREASING, DECREASING, NO_CHANGE, CANNOT)

PROPORTION_METHOD = "chi-square test for trend in proportions (counts and denominators)"
WEIGHTED_METHOD = "weighted regression on the published 95% confidence intervals"

#: Value types tested with the counts (Fingertips: crude or indirectly standardised).
PROPORTION_TYPES = frozenset({"proportion", "indirectly standardised proportion"})
#: Value types tested with the confidence intervals.
OTHER_TYPES = frozenset({
    "rate", "crude rate", "directly standardised rate", "indirectly standardised rate",
    "ratio", "indirectly standardised ratio", "rate ratio", "crude ratio",
    "life expectancy", "years", "slope index of inequality", "excess risk", "mean",
    "median", "gap",
})

_POLARITY = {  # registry and Fingertips spellings
    "high_is_good": "high", "high is good": "high",
    "low_is_good": "low", "low is good": "low",
}


@dataclass(frozen=True)
class TrendResult:
    """A recent-trend marker with why: the method, chi-square, gradient and periods used."""

    marker: str
    reason: str
    method: str = ""
    chi2: float | None = None
    beta: float | None = None
    points: int = 0
    first_period: str | None = None
    last_period: str | None = None

    @property
    def significant(self) -> bool:
        return self.marker not in (NO_CHANGE, CANNOT)

    @property
    def worsening(self) -> bool:
        return self.marker in (INCREASING_WORSE, DECREASING_WORSE)

    @property
    def direction(self) -> int:
        """+1 increasing, -1 decreasing, 0 none (for arrows)."""
        if self.marker.startswith(INCREASING):
            return 1
        if self.marker.startswith(DECREASING):
            return -1
        return 0

    def to_dict(self) -> dict:
        return asdict(self)


def method_for(value_type: str) -> str | None:
    """'proportion', 'other' or None (a value type Fingertips does not test, e.g. counts)."""
    vt = str(value_type or "").strip().lower()
    if vt in PROPORTION_TYPES:
        return "proportion"
    if vt in OTHER_TYPES:
        return "other"
    return None


def _word(direction: int, polarity: str | None) -> str:
    pol = _POLARITY.get(str(polarity or "").strip().lower())
    if pol is None:
        return INCREASING if direction > 0 else DECREASING
    better = (direction > 0) == (pol == "high")
    if direction > 0:
        return INCREASING_BETTER if better else INCREASING_WORSE
    return DECREASING_BETTER if better else DECREASING_WORSE


def proportion_trend(count: Sequence[float], denominator: Sequence[float],
                     t: Sequence[float]) -> tuple[float, float]:
    """(gradient sign statistic, chi-square) of the chi-square test for trend.

    The first value is Σ t·(r − n·p̄), whose sign is the direction of the trend.
    """
    r = np.asarray(count, dtype=float)
    n = np.asarray(denominator, dtype=float)
    x = np.asarray(t, dtype=float)
    big_n, big_r = n.sum(), r.sum()
    p = big_r / big_n
    score = float((x * (r - n * p)).sum())
    sxx = float((n * x * x).sum() - (n * x).sum() ** 2 / big_n)
    var = p * (1 - p) * sxx
    if var <= 0:
        return score, 0.0
    return score, score * score / var


def weighted_trend(value: Sequence[float], lower: Sequence[float], upper: Sequence[float],
                   t: Sequence[float], z: float = Z95) -> tuple[float, float]:
    """(gradient, chi-square) of a weighted regression with weights 1/SE², SE = width/2z."""
    y = np.asarray(value, dtype=float)
    se = (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * z)
    w = 1.0 / (se * se)
    x = np.asarray(t, dtype=float)
    xw = (w * x).sum() / w.sum()
    yw = (w * y).sum() / w.sum()
    sxx = float((w * (x - xw) ** 2).sum())
    beta = float((w * (x - xw) * (y - yw)).sum() / sxx)
    return beta, beta * beta * sxx


def _fails(xs: Sequence[float | None]) -> bool:
    return any(x is None or (isinstance(x, float) and math.isnan(x)) for x in xs)


def recent_trend(periods: Sequence[str], *, value_type: str, polarity: str | None,
                 value: Sequence[float | None] | None = None,
                 count: Sequence[float | None] | None = None,
                 denominator: Sequence[float | None] | None = None,
                 lower: Sequence[float | None] | None = None,
                 upper: Sequence[float | None] | None = None,
                 t: Sequence[float] | None = None,
                 independent: bool = True, yearly: bool = True) -> TrendResult:
    """The recent-trend marker of one series given in time order (oldest first).

    ``t`` is the time of each point (default 0, 1, 2 ...: equally spaced years).
    ``independent``/``yearly`` say whether the periods qualify (not rolling, not
    quarterly); the caller knows the period labels.
    """
    n_all = len(periods)
    if not n_all:
        return TrendResult(CANNOT, "No data points.")
    kind = method_for(value_type)
    if kind is None:
        return TrendResult(CANNOT, f"Fingertips does not test trends for this value type "
                                   f"({value_type}).")
    if not independent:
        return TrendResult(CANNOT, "Periods overlap (rolling or pooled years), so the points "
                                   "are not independent.")
    if not yearly:
        return TrendResult(CANNOT, "Periods are not years (monthly or quarterly data are "
                                   "not tested).")
    if n_all < POINTS:
        return TrendResult(CANNOT, f"Not enough data points: {n_all} of the {POINTS} "
                                   "needed.", last_period=str(periods[-1]), points=n_all)
    sl = slice(n_all - POINTS, n_all)
    tt = list(t[sl]) if t is not None else list(range(POINTS))
    span = dict(points=POINTS, first_period=str(periods[sl][0]),
                last_period=str(periods[-1]))

    def pick(xs: Sequence[float | None] | None) -> list[float | None]:
        return [None] * POINTS if xs is None else [None if x is None else float(x)
                                                   for x in list(xs)[sl]]

    if kind == "proportion":
        r, d = pick(count), pick(denominator)
        if _fails(r) or _fails(d):
            return TrendResult(CANNOT, "A count or denominator is missing in the latest "
                                       f"{POINTS} points.", PROPORTION_METHOD, **span)
        if any(x <= 0 for x in d) or sum(r) <= 0 or sum(r) >= sum(d):  # type: ignore[operator]
            return TrendResult(CANNOT, "Counts of zero (or all) cases: no trend test.",
                               PROPORTION_METHOD, **span)

        def fit(idx: list[int]) -> tuple[float, float]:
            return proportion_trend([r[i] for i in idx], [d[i] for i in idx],  # type: ignore[misc]
                                    [tt[i] for i in idx])
        method = PROPORTION_METHOD
    else:
        v, lo, hi = pick(value), pick(lower), pick(upper)
        if _fails(v):
            return TrendResult(CANNOT, f"A value is missing in the latest {POINTS} points.",
                               WEIGHTED_METHOD, **span)
        if _fails(lo) or _fails(hi):
            return TrendResult(CANNOT, "A confidence interval is missing in the latest "
                                       f"{POINTS} points.", WEIGHTED_METHOD, **span)
        if any(h - lw <= 0 for lw, h in zip(lo, hi, strict=True)):  # type: ignore[operator]
            return TrendResult(CANNOT, "A confidence interval has no width.",
                               WEIGHTED_METHOD, **span)

        def fit(idx: list[int]) -> tuple[float, float]:
            return weighted_trend([v[i] for i in idx], [lo[i] for i in idx],  # type: ignore[misc]
                                  [hi[i] for i in idx], [tt[i] for i in idx])
        method = WEIGHTED_METHOD

    everything = list(range(POINTS))
    beta, chi2 = fit(everything)
    result = dict(method=method, chi2=round(chi2, 4), beta=beta, **span)
    if not chi2 > CHI2_998:
        return TrendResult(NO_CHANGE, f"Chi-square {chi2:,.2f} is not above {CHI2_998} "
                                      "(99.8% level).", **result)
    for j in everything:
        b, _ = fit([i for i in everything if i != j])
        if np.sign(b) != np.sign(beta):
            return TrendResult(NO_CHANGE, f"Significant, but leaving out {periods[sl][j]} "
                                          "reverses the direction (an outlier).", **result)
    word = _word(1 if beta > 0 else -1, polarity)
    return TrendResult(word, f"Chi-square {chi2:,.2f} is above {CHI2_998} (99.8% level) "
                             "and no single point reverses it.", **result)


def assign_trend_markers(data: pd.DataFrame, *, by: Sequence[str], period: str = "period",
                         order: str | None = None, value_type: str | None = None,
                         polarity: str | None = None, value: str = "value",
                         count: str = "count", denominator: str = "denominator",
                         lower: str = "lower_ci", upper: str = "upper_ci",
                         value_type_col: str | None = None,
                         polarity_col: str | None = None) -> pd.DataFrame:
    """One row per series (the ``by`` columns) with ``recent_trend``, its reason and method.

    Rows are put in time order by ``order`` (default ``period``). ``value_type`` and
    ``polarity`` apply to every series unless columns are named for them.
    """
    rows = []
    cols = {c for c in (value, count, denominator, lower, upper) if c in data.columns}
    for key, g in data.groupby(list(by), sort=False, dropna=False):
        g = g.sort_values(order or period, kind="stable")
        first = g.iloc[0]
        vt = first[value_type_col] if value_type_col else value_type
        pol = first[polarity_col] if polarity_col else polarity

        def col(c: str, g: pd.DataFrame = g) -> list[float | None] | None:
            if c not in cols:
                return None
            return [None if pd.isna(x) else float(x) for x in g[c]]

        res = recent_trend([str(p) for p in g[period]], value_type=str(vt), polarity=pol,
                           value=col(value), count=col(count),
                           denominator=col(denominator), lower=col(lower), upper=col(upper),
                           t=[float(x) for x in g[order]] if order else None)
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, keys, strict=True)), "recent_trend": res.marker,
                     "recent_trend_reason": res.reason, "trend_method": res.method,
                     "chi2": res.chi2, "beta": res.beta, "last_period": res.last_period})
    return pd.DataFrame(rows)
