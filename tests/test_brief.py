"""The place brief: valid, self-contained HTML with provenance, licence and the live link.

The brief is e-mailed and opened offline, so it must hold everything inline (charts as
SVG), run no script and fetch nothing; and since custom places are named by users, every
text must be escaped.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from explorer import brief
from explorer.places import custom_place

LINK = "https://explorer.example.org/compare?p=workington-parish-wards%2Ceden&x=<y>"
VOID = {"meta", "br", "img", "hr", "input", "link", "path", "rect", "line", "circle",
        "polygon", "polyline", "ellipse", "use", "stop"}


class _Check(HTMLParser):
    """Collects what the tests need and checks that tags nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def document(places) -> str:
    return brief.place_brief_html(["workington-parish-wards", "eden"], LINK,
                                  "2026-01-05 10:00")


@pytest.fixture(scope="module")
def parsed(document: str) -> _Check:
    check = _Check()
    check.feed(document)
    check.close()
    return check


def test_brief_is_well_formed_html(document: str, parsed: _Check) -> None:
    assert document.startswith("<!DOCTYPE html>")
    assert parsed.doctype.lower() == "doctype html"
    assert parsed.errors == [] and parsed.stack == []
    assert parsed.tags["html"] == 1 and parsed.tags["title"] == 1
    assert ("meta", "charset", "utf-8") in parsed.attrs


def test_brief_is_self_contained_and_runs_nothing(document: str, parsed: _Check) -> None:
    assert "<script" not in document.lower()
    assert not [a for a in parsed.attrs if a[1] == "src"]  # no images, frames or scripts
    assert not [a for a in parsed.attrs if a[1].startswith("on")]  # no event handlers
    assert "<link" not in document.lower() and "@import" not in document
    assert "url(" not in document  # CSS fetches nothing either
    assert parsed.tags.get("svg", 0) >= 3  # the charts, inline


def test_brief_carries_summary_numbers_sources_licence_and_link(parsed: _Check) -> None:
    text = " ".join(" ".join(parsed.text).split())
    assert "Place brief: Workington (parish wards) and Eden" in text
    assert "In Workington (parish wards)" in text and "England" in text  # summary sentences
    assert "Residents in Core20" in text and "Compared with England" in text
    assert "Open Government Licence v3.0" in text
    assert "Ministry of Housing, Communities and Local Government" in text
    assert "Sources and licences" in text and "Generated 2026-01-05 10:00" in text
    hrefs = [v for t, k, v in parsed.attrs if t == "a" and k == "href"]
    assert LINK in hrefs  # the link back, unescaped by the parser: it was escaped in HTML


def test_every_text_is_escaped_even_user_named_places(places) -> None:
    hostile = custom_place("<script>alert(1)</script> & <b>Eden</b>", [places.get("eden")])
    document = brief.place_brief_html([hostile], LINK, "<now>")
    assert "<script" not in document and "<b>Eden" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Eden&lt;/b&gt;" in document
    assert "&lt;now&gt;" in document and "x=&lt;y&gt;" in document
    check = _Check()
    check.feed(document)
    assert check.errors == [] and "script" not in check.tags


def test_chart_svg_with_active_content_is_refused() -> None:
    with pytest.raises(ValueError):
        brief._safe_svg('<svg><script>alert(1)</script></svg>')
    assert brief._safe_svg('<?xml version="1.0"?><svg></svg>') == "<svg></svg>"


def test_no_place_is_an_error(places) -> None:
    with pytest.raises(ValueError, match="at least one place"):
        brief.build_sections([])


@pytest.mark.skipif(brief.chromium_path() is None, reason="no local Chromium to print PDF")
def test_pdf_is_printed_offline_when_chromium_is_installed(document: str) -> None:
    pdf = brief.pdf_from_html(document)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000


def test_pdf_without_chromium_says_what_to_do(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="Print > Save as PDF|could not be made"):
        brief.pdf_from_html("<p>x</p>", chromium=str(tmp_path / "no-such-browser"))
