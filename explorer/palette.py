"""Colours used on every chart and map, so a decile looks the same everywhere.

Viridis is perceptually uniform, colour-blind safe and keeps contrast on projectors;
decile 1 (most deprived) is the darkest.
"""

from __future__ import annotations

DECILE_COLOURS: tuple[str, ...] = (
    "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
    "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725",
)
QUINTILE_COLOURS: tuple[str, ...] = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
MISSING_COLOUR = "#bdbdbd"
#: Fingertips-style comparison colours, chosen to be distinguishable without red/green.
COMPARISON_COLOURS: dict[str, str] = {
    "better": "#3b7dd8",   # blue
    "similar": "#f2c14e",  # amber
    "worse": "#c2410c",    # dark orange
    "lower": "#a6bddb",
    "higher": "#1c4e80",
    "not compared": "#d9d9d9",
}
#: Text on a comparison colour (a cell or a key's chip): white where black would be faint.
COMPARISON_INK: dict[str, str] = {"worse": "#ffffff", "higher": "#ffffff"}
#: Categorical colours for up to 8 places (Okabe–Ito).
PLACE_COLOURS: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)
HIGHLIGHT = "#D55E00"
NEUTRAL = "#4d4d4d"


def hex_to_rgb(colour: str) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i:i + 2], 16) for i in (0, 2, 4)]
