"""One URL-key vocabulary: pages, the frame and scenes name query keys through
``explorer.state`` constants, never as string literals (a drifting literal is how a page
ends up reading a key nobody writes)."""

from __future__ import annotations

import re
from pathlib import Path

from explorer import state as url_state

REPO = Path(__file__).resolve().parents[1]
FILES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py")),
         *sorted((REPO / "ui").glob("*.py")), REPO / "explorer" / "scenes.py"]
KEYS = "|".join(re.escape(k) for k in url_state.PARAMS)
#: a key literal used as a key: {"p": …}, widget_key("p"), query_params["p"] / .get("p")
USE = re.compile(rf"""(\{{\s*|,\s*)["']({KEYS})["']\s*:|widget_key\(["']({KEYS})["']\)|"""
                 rf"""query_params(\.get|\.get_all)?[\[(]["']({KEYS})["']""")


def test_no_url_key_literals_outside_the_registry() -> None:
    found = []
    for path in FILES:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            if USE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []


def test_flag_parser_is_the_one_used_by_registry_and_frame() -> None:
    for word in ("1", "true", "TRUE", "yes", "On"):
        assert url_state.flag(word) is True
        assert url_state.parse({url_state.PRESENT: word})[0] == {url_state.PRESENT: True}
    for word in ("0", "false", "no", "OFF", ""):
        assert url_state.flag(word) is False
    assert url_state.flag("maybe") is None
    source = (REPO / "ui" / "frame.py").read_text() + (REPO / "ui" / "present.py").read_text()
    assert '("1", "true")' not in source


def test_fixed_vocabularies_are_defined_once() -> None:
    from explorer import scenes

    assert scenes.LEVELS is url_state.LEVELS and scenes.CONFIDENCES is url_state.CONFIDENCES
    assert url_state.allowed(url_state.CONFIDENCE)("99.8") == "99.8"
    assert url_state.confidence_level("99.8") == 0.998
