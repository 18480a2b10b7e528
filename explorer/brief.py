"""The place brief: one self-contained HTML file for a place or a comparison of places.

Facilitators send it to panel members before or after a session, often by e-mail, and it
is opened on machines without network access to the app. So it carries everything inline:
charts as SVG made offline by vl-convert, the summary sentences of the compare page, the
numbers as tables, the definitions of the places, the sources with their licences and the
link back to the live view. It has no script and fetches nothing.

Every piece of text is HTML-escaped, including place names (custom places are named by
users). PDF: :func:`pdf_from_html` prints the same HTML with a local headless Chromium when
one is installed; there is no pure-Python HTML-to-PDF engine among the dependencies.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from explorer import exports
from explorer.figure import Figure
from explorer.places import Place
from explorer.profile import Profile

MAX_PLACES = 4
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
PDF_TIMEOUT_S = 60


@dataclass(frozen=True)
class BriefSection:
    """A chart (as SVG, whose own title states the finding) with its source as caption."""

    heading: str
    title: str
    svg: str
    caption: str


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;
max-width:980px;margin:2rem auto;padding:0 1.2rem;line-height:1.45}
h1{font-size:1.9rem;margin-bottom:.2rem}h2{font-size:1.35rem;margin-top:2rem;
border-bottom:2px solid #1d3557;padding-bottom:.2rem}
.meta{color:#444;font-size:.95rem}.meta a{color:#1d3557;word-break:break-all}
ul.summary li{margin:.35rem 0}
figure{margin:1rem 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#444}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.6rem 0}
th,td{border:1px solid #c8c8c8;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.small{font-size:.85rem;color:#444}
section.fig{break-inside:avoid;page-break-inside:avoid}
h2,h3{break-after:avoid;page-break-after:avoid}
@page{size:A4;margin:14mm 12mm}
@media print{body{margin:0;max-width:none;font-size:10.5pt}a{color:#000}
table{font-size:8pt}th,td{padding:.15rem .25rem}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None or pd.isna(x) else f"{x * 100:.{digits}f}%"


def _num(x: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if x is None or pd.isna(x) else fmt.format(x)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]],
           numeric: Sequence[int] = ()) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _safe_svg(svg: str) -> str:
    """vl-convert escapes the text it draws; refuse anything active all the same."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    lowered = svg.lower()
    if any(bad in lowered for bad in ("<script", "<foreignobject", "javascript:", "onload=")):
        raise ValueError("chart SVG contains active content")
    return svg


def _frame_table(df: pd.DataFrame) -> str:
    """A figure's table twin as HTML, numbers formatted as on the page."""
    numeric = [i for i, c in enumerate(df.columns) if pd.api.types.is_numeric_dtype(df[c])]

    def cell(x: object) -> str:
        if x is None or (isinstance(x, float) and pd.isna(x)):
            return "–"
        if isinstance(x, bool):
            return "yes" if x else "no"
        if isinstance(x, (int, float)):
            return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 1000 else f"{x:,.3g}"
        return str(x)

    return _table(list(df.columns), [[cell(x) for x in row] for row in
                                     df.itertuples(index=False)], numeric=numeric)


def _section(fig: Figure) -> BriefSection:
    svg = _safe_svg(exports.chart_svg(fig.chart, " ".join(fig.sources))) \
        if fig.chart is not None else ""
    return BriefSection(fig.heading, fig.title, svg, fig.caption)


def build_sections(places: Sequence[Place | str], confidence: float = 0.95,
                   prefer: str = "own") -> tuple[list[BriefSection], dict]:
    """Charts and numbers of the brief: the same :class:`~explorer.figure.Figure` objects
    the compare page draws, from the same records, so the two cannot disagree."""
    from explorer.compare import place_indicator_rows, summary_sentences
    from explorer.figure import decile_figure, domain_figure, indicator_figure
    from explorer.places import registry
    from explorer.profile import profile

    reg = registry()
    resolved: list[Place] = []
    for item in places:
        place = reg.resolve(item) if isinstance(item, str) else item
        if place.id not in {p.id for p in resolved}:
            resolved.append(place)
    chosen = resolved[:MAX_PLACES]
    if not chosen:
        raise ValueError("Choose at least one place for the brief.")
    england = profile(reg.get("england"), 2019)
    profiles = [profile(p, 2019) for p in chosen]
    rows = [r for p in chosen for r in place_indicator_rows(p, confidence, prefer)]
    label = "99.8%" if confidence > 0.99 else "95%"
    figures = [decile_figure(profiles, 2019), domain_figure(profiles, chosen),
               indicator_figure(rows, label, chosen)]
    sections = [_section(f) for f in figures if f.chart is not None]
    data = {"places": chosen, "profiles": profiles, "england": england, "rows": rows,
            "summary": summary_sentences(profiles, england, rows), "label": label,
            "figures": figures, "tables": ["iod2019_lsoa11", "geo_lsoa11"]}
    return sections, data


def place_brief_html(places: Sequence[Place | str], link: str, generated: str,
                     confidence: float = 0.95) -> str:
    """The whole brief as one HTML document (UTF-8, no scripts, no external resources)."""
    sections, data = build_sections(places, confidence)
    return render(sections, data, link, generated)


def render(sections: Sequence[BriefSection], data: dict, link: str, generated: str) -> str:
    """Assemble the document. Separate from the numbers so it is testable on its own."""
    from explorer.provenance import attributions
    from loaders import snapshot

    places = data["places"]
    names = [p.name for p in places]
    title = ("Place brief: " + names[0]) if len(names) == 1 else \
        ("Place brief: " + ", ".join(names[:-1]) + " and " + names[-1])
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(exports.APP_NAME)}. Generated {_e(generated)}. '
        f'Live view: <a href="{_e(link)}">{_e(link)}</a></p>',
        "<h2>In brief</h2>", '<ul class="summary">',
        *[f"<li>{_e(s)}</li>" for s in data["summary"]], "</ul>",
    ]
    for sec in sections:  # heading and chart kept together: no page with only a heading
        parts += ['<section class="fig">', f"<h2>{_e(sec.heading)}</h2>",
                  f'<figure aria-label="{_e(sec.title)}">', sec.svg,
                  f"<figcaption>{_e(sec.caption)}</figcaption>", "</figure>", "</section>"]
    eng = data["england"]
    parts += ["<h2>The numbers</h2>", "<h3>Deprivation profile (IoD2019)</h3>",
              _table(["Place", "Residents", "Residents in Core20", "Core20 share",
                      "IMD score", "IMD score source", "District rank (1 = most deprived)"],
                     [[pr.name, _num(pr.population), _num(pr.core20_population),
                       _pct(pr.core20_share), _num(pr.imd_score, "{:.1f}"),
                       _score_source(pr),
                       f"{pr.district_rank} of {pr.district_rank_of}" if pr.district_rank
                       else "–"] for pr in [*data["profiles"], eng]],
                     numeric=(1, 2, 3, 4)),
              f'<p class="small">{_e(eng.core20_definition)}. Populations: '
              f"{_e(eng.population_source)}.</p>",
              *[f'<p class="small">{_e(pr.name)}: {_e(pr.imd_score_method)}.</p>'
                for pr in [*data["profiles"], eng] if pr.imd_score_method],
              f"<h3>Indicators compared with England ({_e(data['label'])} where computed)"
              "</h3>", *_indicator_table(data),
              "<h2>Places</h2>",
              _table(["Place", "Definition"], [[p.label, p.definition] for p in places])]
    sources = []
    for name in data["tables"]:
        rec = snapshot.source(name)
        sources.append([rec["publisher"], rec["dataset"], rec["vintage"], rec["licence"],
                        rec["url"]])
    parts += ["<h2>Sources and licences</h2>",
              _table(["Publisher", "Dataset", "Vintage", "Licence", "Web address"], sources),
              *[f'<p class="small">{_e(a)}</p>' for a in attributions()],
              f'<p class="small">Figures derived from the bundled snapshot of the '
              f"{_e(exports.APP_NAME)} (data/snapshot/manifest.json). Open the live view for "
              f'interactive charts: <a href="{_e(link)}">{_e(link)}</a></p>',
              "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _score_source(pr: Profile) -> str:
    """Short label of where the IMD score comes from (the profile's own method label)."""
    if pr.imd_score_source == "official":
        return "MHCLG, as published"
    return "computed (population-weighted)"


def _indicator_table(data: dict) -> list[str]:
    """The compare page's indicator table twin (same figure object), and its caption."""
    figs = [f for f in data.get("figures", []) if f.key == "indicators"]
    if not figs or figs[0].table.empty:
        return ['<p class="small">No indicator values for these places.</p>']
    fig = figs[0]
    table = fig.table.drop(columns=["Trend"], errors="ignore")  # the page's link column
    return [f'<p class="small">{_e(fig.title)}.</p>', _frame_table(table),
            f'<p class="small">{_e(fig.caption)}</p>']


# --------------------------------------------------------------------------------------
# PDF, when a local Chromium can print it


def chromium_path() -> str | None:
    """A local Chromium/Chrome executable, or None (then the UI offers HTML only)."""
    override = os.environ.get("HEE_CHROMIUM")
    if override and Path(override).is_file():
        return override
    for name in ("/usr/bin/chromium", *CHROMIUM_CANDIDATES):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_from_html(document: str, chromium: str | None = None) -> bytes:
    """Print the brief to PDF with headless Chromium, offline (no network flags).

    Raises RuntimeError with a readable message when no Chromium is available or printing
    fails; the HTML brief is always available instead.
    """
    exe = chromium or chromium_path()
    if exe is None:
        raise RuntimeError("PDF needs a local Chromium, which is not installed here. Open the "
                           "HTML brief in a browser and use Print > Save as PDF.")
    with tempfile.TemporaryDirectory(prefix="hee-brief-") as tmp:
        src = Path(tmp) / "brief.html"
        out = Path(tmp) / "brief.pdf"
        src.write_text(document, encoding="utf-8")
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                f"--print-to-pdf={out}", src.as_uri()]
        try:
            subprocess.run(args, check=True, capture_output=True, timeout=PDF_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            raise RuntimeError("The PDF could not be made; download the HTML brief and print "
                               "it from a browser.") from exc
        if not out.is_file() or out.stat().st_size == 0:
            raise RuntimeError("The PDF could not be made; download the HTML brief and print "
                               "it from a browser.")
        return out.read_bytes()
