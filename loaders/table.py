"""The unit the build writes: a frame, its snapshot name and its provenance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from loaders.manifest import Source


@dataclass
class Table:
    name: str
    frame: pd.DataFrame
    source: Source
    description: str
    geo: bool = False
