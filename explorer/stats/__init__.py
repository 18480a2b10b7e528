"""Public-health statistics for the explorer (pure Python, no Streamlit).

Proportions (Wilson), crude rates (Byar's/exact) and DSRs (Dobson) come from OHID's
PHStatsMethods; the SII/RII re-implements PHEindicatormethods' ``phe_sii``; ``compare``
holds the Fingertips "compared with England" rule. All are checked against the
PHEindicatormethods golden test data (tests/test_stats_golden.py, tests/test_sii.py).
"""

from ._common import CONFIDENCE_95, CONFIDENCE_998, STANDARD_CONFIDENCES, confidence_label
from .compare import (
    BETTER,
    COMPARISONS,
    HIGH_IS_GOOD,
    HIGHER,
    LOW_IS_GOOD,
    LOWER,
    NO_JUDGEMENT,
    NOT_COMPARED,
    POLARITIES,
    SIMILAR,
    SMALL_NUMBER_THRESHOLD,
    WORSE,
    Comparison,
    Polarity,
    compare_to_benchmark,
)
from .proportions import WILSON_METHOD, proportion_with_ci, wilson_ci
from .rates import (
    BYARS_METHOD,
    DOBSON_METHOD,
    EXACT_METHOD,
    byars_ci,
    dsr_with_ci,
    rate_method,
    rate_with_ci,
)
from .sii import (
    DEFAULT_REPETITIONS,
    DEFAULT_SEED,
    SIIDataWarning,
    SIIResult,
    ValueType,
    compute_sii,
    phe_sii,
    relative_rank,
)

__all__ = [
    "BETTER",
    "BYARS_METHOD",
    "COMPARISONS",
    "CONFIDENCE_95",
    "CONFIDENCE_998",
    "DEFAULT_REPETITIONS",
    "DEFAULT_SEED",
    "DOBSON_METHOD",
    "EXACT_METHOD",
    "HIGHER",
    "HIGH_IS_GOOD",
    "LOWER",
    "LOW_IS_GOOD",
    "NOT_COMPARED",
    "NO_JUDGEMENT",
    "POLARITIES",
    "SIMILAR",
    "SMALL_NUMBER_THRESHOLD",
    "STANDARD_CONFIDENCES",
    "WILSON_METHOD",
    "WORSE",
    "Comparison",
    "Polarity",
    "SIIDataWarning",
    "SIIResult",
    "ValueType",
    "byars_ci",
    "compare_to_benchmark",
    "compute_sii",
    "confidence_label",
    "dsr_with_ci",
    "phe_sii",
    "proportion_with_ci",
    "rate_method",
    "rate_with_ci",
    "relative_rank",
    "wilson_ci",
]
