"""Warm the process-wide caches before the first visitor arrives.

Every session shares the loader caches, so the first visit to a freshly started server
would otherwise pay for reading the snapshot and building the place registry (~2 s here).
``serve.py`` runs :func:`warm` in a background thread while Streamlit starts.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("explorer.warmup")


def warm() -> float:
    """Load the tables and build the structures the first pages need; returns seconds."""
    start = time.perf_counter()
    try:
        import altair  # noqa: F401 - imported for its side effect: the module cache
        import pandas  # noqa: F401

        from explorer.overview import headline, region_table
        from explorer.places import DEFAULT_REGION, registry
        from explorer.profile import lsoa_arrays

        for vintage in (2019, 2025):
            lsoa_arrays(vintage)
        region = registry().get(DEFAULT_REGION)
        region_table(region, 2019)
        headline(region, 2019)
        from explorer import indicators

        indicators.registry()
        # the map's static GeoJSON files (content-hashed; reused when already present)
        from explorer import static_geo

        static_geo.warm()
    except Exception:  # a warm-up failure must never stop the server; pages report errors
        log.exception("cache warm-up failed")
    gc.collect()
    gc.freeze()  # long-lived caches out of the collector's way: fewer full-GC pauses
    return time.perf_counter() - start
