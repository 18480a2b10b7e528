"""The start-up warm-up loads the shared caches and never raises."""

from __future__ import annotations

import gc

from ui.warmup import warm


def test_warm_fills_the_shared_caches():
    from explorer.profile import lsoa_arrays

    seconds = warm()
    assert seconds >= 0
    assert lsoa_arrays.cache_info().currsize >= 2
    gc.unfreeze()
