"""Provenance records: every snapshot table says where it came from."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

OGL = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2024."
)
MHCLG_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(Ministry of Housing, Communities and Local Government)."
)


@dataclass(frozen=True)
class Source:
    """Provenance of one snapshot table."""

    publisher: str
    dataset: str
    vintage: str
    licence: str
    attribution: str
    url: str
    inputs: tuple[Path, ...]
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def record(self, raw_root: Path, rows: int, file: str) -> dict:
        d = asdict(self)
        d["inputs"] = [
            {"path": _rel(p, raw_root), "sha256": sha256(p)} for p in sorted(set(self.inputs))
        ]
        d["rows"] = rows
        d["file"] = file
        if not d["extra"]:
            d.pop("extra")
        return d

    @property
    def caption(self) -> str:
        return f"Source: {self.publisher}, {self.dataset} ({self.vintage}). {self.licence}."


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name


_HASHES: dict[Path, str] = {}


def sha256(path: Path) -> str:
    path = path.resolve()
    if path not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[path] = h.hexdigest()
    return _HASHES[path]
