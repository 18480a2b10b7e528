"""The start-up warm-up loads the shared caches and never raises."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from ui.warmup import warm

ROOT = Path(__file__).resolve().parents[1]


def test_warm_fills_the_shared_caches():
    from explorer.profile import lsoa_arrays

    seconds = warm()
    assert seconds >= 0
    assert lsoa_arrays.cache_info().currsize >= 2
    gc.unfreeze()


def test_start_up_leaves_the_statistics_libraries_unimported():
    """An idle server holds what start-up imports: scipy (scipy.special ~13 MB, scipy.stats
    through PHStatsMethods ~65 MB) waits for the first interval or SII."""
    code = ("import sys; from ui.warmup import warm; warm(); "
            "print(sorted(m for m in ('scipy', 'PHStatsMethods') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_the_map_code_leaves_pillow_unimported():
    """Pillow (~4 MB) is needed only to draw a map picture that is not on disk yet."""
    code = ("import sys; import explorer.maps, ui.map_view; "
            "print('PIL' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr


def test_warm_views_runs_every_page_and_scene_cleanly():
    """The loopback warm-up session (what serve.py runs after start-up) opens every page in
    the navigation and every built-in scene of a real server without one exception."""
    from deploy.process import free_port, start_app, stop
    from ui.warmup import WARM_PAGES, view_links, warm_views

    links = view_links()
    assert len(links) > len(WARM_PAGES)  # the pages, then the scenes
    port = free_port()
    proc = start_app(port, serve=False, extra_args=("--server.runOnSave", "false"), wait=120)
    try:
        seconds, problems = warm_views(f"http://127.0.0.1:{port}", links, timeout=180)
    finally:
        stop(proc)
    assert problems == []
    assert seconds > 0


def test_warm_views_reports_what_went_wrong_without_raising():
    from deploy.process import free_port
    from ui.warmup import warm_views

    seconds, problems = warm_views(f"http://127.0.0.1:{free_port()}", ["/"], timeout=5)
    assert len(problems) == 1 and problems[0].startswith("warm-up session:")


def test_app_navigation_pages_are_all_warmed():
    """A page added to app.py's navigation is warmed too (WARM_PAGES lists them all)."""
    import re
    from pathlib import Path

    from ui.warmup import WARM_PAGES

    app = (Path(__file__).resolve().parents[1] / "app.py").read_text()
    nav = set(re.findall(r'url_path="([a-z0-9-]*)"', app))
    assert nav, "no url_path= in app.py"
    assert nav <= set(WARM_PAGES), nav - set(WARM_PAGES)
