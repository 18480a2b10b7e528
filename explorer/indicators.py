"""Health indicators: the public face of the indicator registry, store and place values.

Kept so that every caller has one import (``from explorer import indicators``). The work
is done in four modules, each with one job; a figure's path from raw file to chart is:

* :mod:`explorer.registry` - ``data/indicators.yaml`` validated into an immutable
  :class:`~explorer.registry.Registry` (units, polarity, CI method, comparison level, tags);
* :mod:`explorer.store` - an indicator's rows from the snapshot table ``indicator_values``
  (or computed from other snapshot tables: Census ages, rural class, IoD2019 counts);
* :mod:`explorer.geography` - the LSOA lookups read once, level names and area codes, and
  the one LSOA sum (:class:`~explorer.geography.LsoaData`);
* :mod:`explorer.values` - the place-value engine: one :class:`~explorer.values.PlaceValue`
  per indicator and place, with the interval that decides and how the value fits the place.
"""

from __future__ import annotations

from explorer import geography as _geography
from explorer import store as _store
from explorer import values as _values
from explorer.geography import ENGLAND, LEVELS
from explorer.geography import lsoa_set as _lsoa_set
from explorer.registry import (
    CI_METHODS,
    COMPARE_CONFIDENCES,
    CORE20PLUS5,
    GEOGRAPHIES,
    INDICATORS_FILE,
    METHODS,
    POLARITIES,
    SEX_ORDER,
    UNITS,
    VALUE_TYPES,
    IndicatorMeta,
    IndicatorRegistryError,
    Registry,
    UnknownIndicatorError,
    _load_yaml,
    caption,
    load_registry,
    meta,
    registry,
)
from explorer.store import (
    STORE_TABLE,
    latest_period,
    periods,
    sexes,
    town_flags,
    validate_against_store,
    values,
)
from explorer.values import (
    FITS,
    PlaceValue,
    by_deprivation_decile,
    indicator_for_place,
    indicators_for_place,
)

_LEVELS = LEVELS


def clear_cache() -> None:
    """Forget cached frames (tests that swap the snapshot folder)."""
    registry.cache_clear()
    _store.clear_cache()
    _geography.clear_cache()
    _values.clear_cache()


__all__ = [
    "CI_METHODS", "COMPARE_CONFIDENCES", "CORE20PLUS5", "ENGLAND", "FITS", "GEOGRAPHIES",
    "INDICATORS_FILE", "LEVELS", "METHODS", "POLARITIES", "SEX_ORDER", "STORE_TABLE",
    "UNITS", "VALUE_TYPES", "IndicatorMeta", "IndicatorRegistryError", "PlaceValue",
    "Registry", "UnknownIndicatorError", "by_deprivation_decile", "caption",
    "clear_cache", "indicator_for_place", "indicators_for_place",
    "latest_period", "load_registry", "meta", "periods", "registry",
    "sexes", "town_flags", "validate_against_store", "values", "_load_yaml", "_lsoa_set",
    "_LEVELS",
]
