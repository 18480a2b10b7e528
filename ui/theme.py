"""The look of every page: one stylesheet for the laptop, the projector and the phone.

Streamlit's theme (``.streamlit/config.toml``) sets colours and fonts; what it cannot set is
here, injected once per run by ``app.py``:

* **always**: no grey frame around the main area when it takes focus (the arrow-key
  shortcuts move focus there), a visible focus ring for keyboard users on real controls, metric
  labels and popover buttons that wrap instead of ending in "…", a multiselect whose chips wrap
  onto more lines (so the 4th place stays visible), and the tables of :mod:`ui.tables`;
* **phones** (narrow screens): less padding, smaller headings and metric values, nothing wider
  than the screen (tables and wide blocks scroll inside themselves);
* **presentation mode**: large type for a 1080p screen share (every rem-sized text scales with
  the root font size: body 20 px, captions and labels at least 20 px, headings above their
  normal size), no sidebar or header.
"""

from __future__ import annotations

import streamlit as st

#: Root font size in presentation mode; Streamlit sizes text in rem, so everything scales.
PRESENT_ROOT_PX = 20
#: Chart text scale in presentation mode (charts draw value labels at 13 px: 13 x 1.55 > 20).
PRESENT_CHART_SCALE = 1.55

BASE_CSS = """
/* focus: no frame around the main area (it is focused for the keyboard shortcuts), and
   none after a mouse click; keyboard users keep a clear ring on controls */
[data-testid="stMain"]:focus, [data-testid="stMain"]:focus-visible,
[data-testid="stMainBlockContainer"]:focus { outline: none !important; box-shadow: none; }
:focus:not(:focus-visible) { outline: none; }
/* labels that must be read whole */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
[data-testid="stMetricValue"] > div { white-space: normal !important; overflow-wrap: anywhere; }
[data-testid="stPopover"] button p, [data-testid="stPopoverButton"] p {
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: break-word;
  word-break: normal;
}
[data-testid="stPopover"] button { width: auto; max-width: 100%; height: auto; }
/* multiselect: chips wrap onto new lines instead of scrolling out of sight */
[data-testid="stMultiSelect"] .react-aria-ComboBox > div { max-height: none !important;
  height: auto !important; }
[data-testid="stMultiSelectTagsContainer"] { flex-wrap: wrap !important;
  overflow: visible !important; min-width: 0 !important; }
[data-testid="stMultiSelectTagsContainer"] > span { display: flex; flex-wrap: wrap; gap: 2px;
  max-width: 100%; min-width: 0; }
/* captions: Streamlit fades them with opacity, which also fades their links below 4.5:1
   (axe color-contrast); a solid grey instead keeps text and links readable */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #4d535b; }
[data-testid="stCaptionContainer"] p { color: inherit; }
/* chart titles drawn as text above the chart by ui.charts (they wrap, Vega truncates) */
.hee-chart-title { font-weight: 700; font-size: 1.1rem; margin: 0.2rem 0 0.1rem 0;
  line-height: 1.35; }
.hee-chart-subtitle { color: #444; font-size: 0.9rem; margin: 0 0 0.3rem 0; }
/* tables of ui.tables: scroll inside themselves, never cut a cell */
.hee-table-wrap { overflow: auto; max-width: 100%; position: relative; border: 1px solid #d5d9e0;
  border-radius: 0.4rem; }
.hee-table-wrap:focus-visible { outline: 2px solid #1c4e80; }
.hee-table { border-collapse: collapse; width: 100%; font-size: 0.9rem;
  font-variant-numeric: tabular-nums; }
.hee-table th, .hee-table td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #e6e9ee;
  vertical-align: top; text-align: left; }
.hee-table th { position: sticky; top: 0; background: #f2f4f7; font-weight: 600;
  z-index: 1; }
.hee-table td.num, .hee-table th.num { text-align: right; white-space: nowrap; }
.hee-table td.missing { color: #555; }
.hee-table caption { caption-side: bottom; text-align: left; color: #444;
  font-size: 0.85rem; padding: 0.3rem 0.6rem; }
.hee-table tbody tr:nth-child(even) { background: #fafbfc; }
/* a table of sentences (ui.tables.show(prose=True)): text columns a readable width, long
   addresses and checksums broken rather than widening their column */
.hee-table.hee-prose td:not(.num):not(.short):not(.long) { min-width: 9rem; max-width: 28rem; }
.hee-table.hee-prose td.long { min-width: 16rem; max-width: 36rem; }
.hee-table td.short { white-space: nowrap; }
/* a table of many columns with notes (ui.tables.show(wide=True)): each column as wide as its
   text needs up to a readable measure; the box scrolls sideways */
.hee-table.hee-wide { width: max-content; min-width: 100%; }
.hee-table.hee-wide td:not(.num):not(.short):not(.long) { max-width: 22rem; }
.hee-table.hee-wide td.long { min-width: 16rem; max-width: 44rem; }
.hee-table.hee-prose td { overflow-wrap: anywhere; }
.hee-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
/* the map legend (ui.map_view.draw_legend) */
.hee-legend ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; }
.hee-legend li { display: inline-flex; align-items: center; margin: 2px 14px 2px 0;
  white-space: nowrap; }
/* the copy button of a code box (the share link) is always shown, not only on hover */
[data-testid="stCodeCopyButton"], [data-testid="stCode"] button { opacity: 1 !important;
  visibility: visible !important; }
/* segmented controls: options that do not fit the column go onto a second row instead of
   running off its edge ("Worse than England and getting worse" was cut on a phone) */
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; row-gap: 0.25rem; }
[data-testid="stButtonGroup"] button { max-width: 100%; }
[data-testid="stButtonGroup"] button p { white-space: normal; text-align: left; }
/* QR code: never wider than its box */
[data-testid="stPopoverBody"] img { max-width: 100%; height: auto; }
/* maps on a touch screen: deck.gl claims every touch (touch-action: none on its wrapper), so
   on a phone, where the map is the width of the screen, a swipe over it panned the map and
   the page could not be scrolled past it. A vertical swipe scrolls the page; a sideways drag
   pans, a pinch zooms, a tap selects. In fullscreen (Streamlit's "Close fullscreen" button
   is shown) the map takes every touch again. */
[data-testid="stDeckGlJsonChart"]:not(:has([aria-label^="Close fullscreen"])) div:has(> canvas) {
  touch-action: pan-y !important; }
"""

PHONE_CSS = """
@media (max-width: 640px) {
  .block-container, [data-testid="stMainBlockContainer"] { padding-left: 0.8rem !important;
    padding-right: 0.8rem !important; padding-top: 2.5rem !important; }
  .stApp h1 { font-size: 1.8rem; } .stApp h2 { font-size: 1.4rem; }
  .stApp h3 { font-size: 1.2rem; }
  [data-testid="stMetricValue"] { font-size: 1.7rem; }
  [data-testid="stMain"] { overflow-x: hidden; }
  [data-testid="stMainBlockContainer"] { max-width: 100vw; }
  [data-testid="stElementContainer"], [data-testid="stVerticalBlock"] { max-width: 100%;
    min-width: 0; }
  [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { min-width: 100% !important; }
  [data-testid="stCode"] pre, [data-testid="stCodeBlock"] pre { white-space: pre-wrap;
    word-break: break-all; }
  .hee-table { font-size: 0.85rem; }
}
"""


def present_css(root_px: int = PRESENT_ROOT_PX) -> str:
    """Large type for the shared screen: every rem scales with the root font size; captions,
    labels and small print raised to the body size (20 px at 1080p)."""
    return f"""
html {{ font-size: {root_px}px; }}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"] {{ display: none !important; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p, [data-testid="stMetricLabel"] p,
[data-testid="stMetricDelta"] div, [data-testid="stExpander"] summary p,
[data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-tertiary"] p,
.hee-table, .hee-table caption, .hee-chart-subtitle, .hee-legend, .hee-legend div,
[data-testid="stSelectbox"] input, [data-testid="stSelectbox"] span,
[data-testid="stMultiSelect"] span {{ font-size: 1rem !important; }}
.stApp h1 {{ font-size: 3rem; }} .stApp h2 {{ font-size: 2.3rem; }}
.stApp h3 {{ font-size: 1.9rem; }}
.hee-chart-title {{ font-size: 1.3rem; }}
[data-testid="stMetricValue"] {{ font-size: 2.8rem; }}
.block-container, [data-testid="stMainBlockContainer"] {{ padding-top: 1.2rem;
  max-width: 1860px; }}
"""


def css(presenting: bool) -> str:
    """The stylesheet for this run (pure, so tests can check what presentation adds)."""
    return BASE_CSS + PHONE_CSS + (present_css() if presenting else "")


def apply(presenting: bool) -> None:
    """Inject the stylesheet; call once per run from app.py, before the page draws."""
    st.html(f"<style>{css(presenting)}</style>")
