"""Add your own data: check an uploaded CSV of area values and aggregate it honestly to places.

Facilitators bring local indicators (ward-level service use, an LSOA survey result). The file
is checked with messages that say exactly what to fix (the line numbers, the codes, the
delimiter, the encoding), because "invalid file" sends a facilitator back to IT.

An upload becomes a :class:`UserIndicator`: an in-memory frame of area code -> value (and
numerator/denominator when given). Nothing here writes to disk; the UI keeps the indicator
in the user's session only.

Aggregation to a place (:func:`place_value`) only gives a number when it is honest:
- counts (numerator/denominator) are summed over the place's areas, with a Wilson interval;
- values without counts are averaged with population weights (never an unweighted mean of
  areas of different sizes), and the method says which population;
- ward and district values only reach a place that is exactly one area, lies inside one
  area (labelled with the area used), or is exactly a set of whole areas.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import re
import uuid
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from explorer import text as plain_text
from explorer.codes import member

MAX_BYTES = 10 * 1024 * 1024
#: Shape limits, checked on the raw text before any per-column work (see :func:`_limits`).
#: Real indicator files have a code, a value and a few more columns; England has 35,672
#: LSOAs (2021).
MAX_COLUMNS = 100
MAX_LINE_CHARS = 10_000
MAX_ROWS = 100_000
MAX_CELLS = 1_500_000
SOURCE = "Uploaded by the user, not verified"
MAX_LISTED = 10
MIN_COVERAGE = 0.9

#: Upload levels -> what the facilitator reads.
LEVELS: dict[str, str] = {
    "lsoa11": "LSOA (2011 boundaries)",
    "lsoa21": "LSOA (2021 boundaries)",
    "ward19": "Electoral ward (December 2019)",
    "lad19": "Local authority district (2019)",
    "lad24": "Local authority district (2024)",
}
#: The same, counted: "23 electoral wards (December 2019)".
LEVELS_PLURAL: dict[str, str] = {
    "lsoa11": "LSOAs (2011 boundaries)", "lsoa21": "LSOAs (2021 boundaries)",
    "ward19": "electoral wards (December 2019)", "lad19": "local authority districts (2019)",
    "lad24": "local authority districts (2024)",
}
#: Upload level -> (map level key of explorer.state 'lvl', IoD vintage whose LSOAs it uses).
MAP_LEVEL: dict[str, tuple[str, int]] = {
    "lsoa11": ("lsoa", 2019), "lsoa21": ("lsoa", 2025), "ward19": ("ward", 2019),
    "lad19": ("district", 2019), "lad24": ("district", 2025),
}
#: Choices offered to the user ("what kind of areas are in your file?").
EXPECTED: dict[str, tuple[str, ...]] = {
    "lsoa": ("lsoa11", "lsoa21"), "ward": ("ward19",), "district": ("lad19", "lad24"),
}

_CODE = re.compile(r"^[ENSWK]\d{8}$")
#: ONS code prefixes -> the geography they name (for "wrong level" messages).
PREFIXES: dict[str, str] = {
    "E00": "output area", "E01": "LSOA", "E02": "MSOA", "E04": "parish", "E05": "ward",
    "E06": "district", "E07": "district", "E08": "district", "E09": "district",
    "E10": "county", "E11": "metropolitan county", "E12": "region", "E13": "inner/outer London",
    "E14": "parliamentary constituency", "E38": "sub-ICB location", "E40": "NHS region",
    "E54": "ICB", "E92": "country", "W01": "Welsh LSOA", "W02": "Welsh MSOA",
    "W05": "Welsh ward", "W06": "Welsh unitary authority", "S01": "Scottish data zone",
    "S12": "Scottish council area", "N09": "Northern Irish district",
}
_ACCEPTED = {"E01": "lsoa", "E05": "ward", "E06": "district", "E07": "district",
             "E08": "district", "E09": "district"}
_KIND_LABEL = {"lsoa": "LSOA", "ward": "ward", "district": "district"}
#: Markers official statistics use for suppressed or unavailable values: read as missing.
MISSING_MARKERS = {"", "*", "c", "[c]", "x", "[x]", "..", ":", "-", "n/a", "na", "null",
                   "suppressed", "[z]", "z", "[low]"}
CODE_NAMES = ("code", "areacode", "area_code", "geography code", "geography_code", "lsoa11cd",
              "lsoa21cd", "lsoa code", "wd19cd", "ward code", "lad19cd", "lad24cd", "ons code")
VALUE_NAMES = ("value", "val", "rate", "percentage", "percent", "proportion", "indicator")
NUMERATOR_NAMES = ("numerator", "count", "num")
DENOMINATOR_NAMES = ("denominator", "denom", "den", "population")


@dataclass(frozen=True)
class UserIndicator:
    """An uploaded indicator: area code -> value (and counts), held in memory only."""

    id: str
    name: str
    level: str
    frame: pd.DataFrame = field(compare=False, repr=False)
    source: str = SOURCE
    filename: str = ""
    unit: str = ""
    polarity: str = "no_judgement"
    notes: tuple[str, ...] = ()

    @property
    def has_counts(self) -> bool:
        return {"numerator", "denominator"} <= set(self.frame.columns)

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def map_level(self) -> str:
        """The map page's ``lvl`` key for this upload's areas."""
        return MAP_LEVEL[self.level][0]

    @property
    def vintage(self) -> int:
        """The IoD vintage whose LSOA set (2011 or 2021) this upload's areas belong to."""
        return MAP_LEVEL[self.level][1]

    def values(self) -> pd.Series:
        """Area code -> value (numerator ÷ denominator where counts were given)."""
        return self.frame["value"].rename(self.name)

    def describe(self) -> str:
        counts = ", with numerators and denominators" if self.has_counts else ""
        return (f"{self.name}: {len(self.frame):,} {LEVELS_PLURAL[self.level]}{counts}. "
                f"{self.source}"
                + (f" (file {self.filename})" if self.filename else "") + ".")


@dataclass
class CheckResult:
    """The outcome of checking a file: an indicator, or errors saying what to fix."""

    indicator: UserIndicator | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    guessed: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.indicator is not None and not self.errors


class _Stop(Exception):
    """Internal: a problem that makes further checks meaningless."""


# --------------------------------------------------------------------------------------
# Known codes


def known_codes() -> dict[str, frozenset[str]]:
    """Every code the app can place, per upload level (from the bundled lookups)."""
    return dict(_known_codes())


@functools.cache
def _known_codes() -> tuple[tuple[str, frozenset[str]], ...]:
    from loaders import snapshot

    districts = snapshot.table("districts")
    return (
        ("lsoa11", frozenset(snapshot.table("geo_lsoa11")["lsoa11cd"])),
        ("lsoa21", frozenset(snapshot.table("geo_lsoa21")["lsoa21cd"])),
        ("ward19", frozenset(snapshot.table("wards19")["wd19cd"])),
        ("lad19", frozenset(districts["lad19cd"])),
        ("lad24", frozenset(districts["lad24cd"])),
    )


# --------------------------------------------------------------------------------------
# Reading the file


def _lines(numbers: Iterable[int]) -> str:
    nums = list(numbers)
    shown = ", ".join(str(n) for n in nums[:MAX_LISTED])
    more = f" and {len(nums) - MAX_LISTED} more" if len(nums) > MAX_LISTED else ""
    return f"line{'s' if len(nums) > 1 else ''} {shown}{more}"


def _listed(items: Iterable[str]) -> str:
    items = list(items)
    shown = ", ".join(items[:MAX_LISTED])
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return shown + more


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            sample = data.decode("cp1252")
            bad = sample[exc.start: exc.start + 1]
            guess = (f"It looks like Windows-1252 (Excel's plain 'CSV' format): the first "
                     f"non-UTF-8 character is '{bad}' on line {line}.")
        except UnicodeDecodeError:
            guess = f"The first unreadable byte is on line {line}."
        raise _Stop("The file is not UTF-8 text. " + guess + " In Excel, use Save As > "
                    "'CSV UTF-8 (Comma delimited)' and upload it again.") from exc


_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _limits(text: str) -> None:
    """Size limits checked on the raw text, before any per-row or per-column work: a file
    with 100,000 columns or one 5 MB line is refused in milliseconds, not minutes."""
    lines = text.split("\n")
    if len(lines) > MAX_ROWS + 50:
        raise _Stop(f"The file has {len(lines):,} lines; the limit is {MAX_ROWS:,} rows. "
                    "Upload a smaller area or fewer rows.")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise _Stop(f"Line {number} is {len(line):,} characters long; the limit is "
                        f"{MAX_LINE_CHARS:,}. Is this a CSV of area codes and values?")
    header = next((ln for ln in lines if ln.strip()), "")
    columns = header.count(",") + 1
    if columns > MAX_COLUMNS:
        raise _Stop(f"The header row has {columns:,} columns; the limit is {MAX_COLUMNS}. "
                    "Keep only the code and value columns.")
    cells = columns * sum(1 for ln in lines if ln.strip())
    if cells > MAX_CELLS:
        raise _Stop(f"The file has about {cells:,} cells; the limit is {MAX_CELLS:,}. Keep "
                    "only the code and value columns.")


def _header(row: list[str], rows: list[list[str]]) -> tuple[list[str], list[int]]:
    """Clean header names -> (names, positions kept). A nameless column that holds no data
    (a trailing comma) is dropped; a nameless column with data, or two columns with one
    name, stops the check."""
    names = [plain_text.clean(c) for c in row]
    keep: list[int] = []
    for pos, name in enumerate(names):
        if name:
            keep.append(pos)
            continue
        if any(pos < len(r) and r[pos].strip() for r in rows):
            raise _Stop(f"Column {pos + 1} of the header row has no name. Give every column "
                        "a name in the first row (e.g. 'code,value').")
    kept = [names[i] for i in keep]
    seen: dict[str, int] = {}
    for name in kept:
        seen[name.lower()] = seen.get(name.lower(), 0) + 1
    dups = [n for n in dict.fromkeys(kept) if seen[n.lower()] > 1]
    if dups:
        raise _Stop(f"Two or more columns are called {plain_text.listed(dups)}; give each "
                    "column its own name.")
    return kept, keep


def _read(data: bytes) -> pd.DataFrame:
    if len(data) > MAX_BYTES:
        raise _Stop(f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                    f"{MAX_BYTES // 1024 // 1024} MB. Keep only the code and value columns, "
                    "or upload a smaller area.")
    text = _decode(data)
    if not text.strip():
        raise _Stop("The file is empty (it holds no text, only blank space).")
    if "\x00" in text:
        raise _Stop("The file contains binary data; is it an Excel workbook (.xlsx) renamed "
                    "to .csv? Save it from Excel as 'CSV UTF-8'.")
    # every line break Python knows (form feed, NEL, U+2028 …) ends a row, as it does for
    # the user's editor; the csv module alone would glue such rows into one
    text = _BREAKS.sub("\n", text.replace("\r\n", "\n"))
    _limits(text)
    header = next(ln for ln in text.split("\n") if ln.strip())
    commas = header.count(",")
    semis, tabs = header.count(";"), header.count("\t")
    if commas == 0 and (semis or tabs):
        which = "semicolons (;)" if semis >= tabs else "tabs"
        raise _Stop(f"The columns are separated by {which}, not commas. Save the file as "
                    "'CSV (Comma delimited)' (in Excel: Save As > 'CSV UTF-8'), or replace "
                    f"the {which.split(' ')[0]} with commas.")
    if commas == 0:
        raise _Stop("The file has only one column. It needs an area code column and a value "
                    "column, separated by commas, with a header row (e.g. 'code,value').")
    reader = csv.reader(io.StringIO(text), skipinitialspace=True, strict=False)
    head: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    longer: list[int] = []
    shorter: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines and rows of empty cells (",,,") are not data
            if head is None:
                head = row
                continue
            if len(row) > len(head):
                longer.append(reader.line_num)
            elif len(row) < len(head):
                shorter.append(reader.line_num)
            rows.append(row)
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise _Stop(f"The file could not be read as a table (line {reader.line_num}: "
                    f"{plain_text.shorten(exc, 80)}). Check the quotes around values.") from exc
    if head is None:
        raise _Stop("The file holds only empty cells: it needs a header row (e.g. "
                    "'code,value') and a row per area.")
    if longer:
        raise _Stop(f"Some rows have more fields than the header ({_lines(longer)}). Check "
                    "for commas inside values (put such values in double quotes).")
    if shorter:
        raise _Stop(f"Some rows have fewer fields than the header ({_lines(shorter)}). Every "
                    "row needs a value (or an empty cell) for every column.")
    if not rows:
        raise _Stop("The file has a header row but no data rows.")
    names, keep = _header(head, rows)
    df = pd.DataFrame([[r[i] for i in keep] for r in rows], columns=names, index=numbers,
                      dtype=str)
    return df


# --------------------------------------------------------------------------------------
# Columns


def _match(columns: list[str], names: tuple[str, ...]) -> str | None:
    lookup = {c.lower().replace("-", " ").strip(): c for c in columns}
    for name in names:
        if name in lookup:
            return lookup[name]
    return None


def guess_columns(df: pd.DataFrame) -> dict[str, str | None]:
    """Best guess of the code, value, numerator and denominator columns (None: none)."""
    columns = list(df.columns)
    code = _match(columns, CODE_NAMES)
    if code is None:
        for col in columns:
            vals = df[col].astype(str).str.strip().str.upper()
            vals = vals[vals != ""]
            if len(vals) and vals.str.match(_CODE.pattern).mean() >= 0.8:
                code = col
                break
    numerator = _match(columns, NUMERATOR_NAMES)
    denominator = _match(columns, DENOMINATOR_NAMES)
    value = _match(columns, VALUE_NAMES)
    if value is None:
        rest = [c for c in columns if c not in (code, numerator, denominator)]
        numeric = [c for c in rest if _numeric_share(df[c]) >= 0.8]
        if len(numeric) == 1:
            value = numeric[0]
    return {"code": code, "value": value, "numerator": numerator, "denominator": denominator}


def _numeric_share(col: pd.Series) -> float:
    parsed, _ = _numbers(col)
    present = col.astype(str).str.strip().str.lower().map(lambda v: v not in MISSING_MARKERS)
    return float(parsed[present].notna().mean()) if present.any() else 0.0


_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _numbers(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """-> (numbers with NaN for missing, mask of cells that are text but not numbers)."""
    text = col.astype(str).str.strip()
    cleaned = text.map(lambda v: v.replace(",", "") if _THOUSANDS.match(v) else v)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    numbers = numbers.where(np.isfinite(numbers.astype(float)))
    missing = text.str.lower().isin(MISSING_MARKERS)
    bad = numbers.isna() & ~missing
    return numbers.astype(float), bad


# --------------------------------------------------------------------------------------
# Geography


def _level_of_codes(codes: pd.Series, expected: str | None) -> str:
    """Decide the upload level from its codes or raise _Stop with what is wrong."""
    known = known_codes()
    prefixes = codes.str[:3]
    kinds = prefixes.map(lambda p: _ACCEPTED.get(p, PREFIXES.get(p, f"unknown ({p}…)")))
    counts = kinds.value_counts()
    if len(counts) > 1:
        parts = []
        for kind, n in counts.items():
            example = codes[kinds == kind].index[:3]
            label = _KIND_LABEL.get(str(kind), str(kind))
            parts.append(f"{n:,} {label} code{'s' if n > 1 else ''} ({_lines(example)})")
        raise _Stop("The file mixes geographies: " + "; ".join(parts) + ". Upload one "
                    "geography per file.")
    kind = str(counts.index[0])
    if kind not in ("lsoa", "ward", "district"):
        raise _Stop(f"Wrong geography level: the codes are {kind} codes "
                    f"(e.g. {codes.iloc[0]}). This tool takes LSOA (E01…), electoral ward "
                    "(E05…) or local authority district (E06–E09…) codes in England.")
    if expected and kind != expected:
        raise _Stop(f"Wrong geography level: you chose {_KIND_LABEL[expected]}s, but the "
                    f"codes are {_KIND_LABEL[kind]} codes (e.g. {codes.iloc[0]}).")
    candidates = EXPECTED[kind]
    covered = {lvl: int(member(codes, known[lvl]).sum()) for lvl in candidates}
    level = max(candidates, key=lambda lvl: (covered[lvl], lvl == "lad24"))
    unknown = codes[~member(codes, known[level])]
    if len(unknown):
        others = [lvl for lvl in candidates if lvl != level]
        other_hits = [c for c in unknown if any(c in known[o] for o in others)]
        if other_hits:
            other_label = LEVELS[others[0]]
            raise _Stop(f"The file mixes boundary years: most codes are {LEVELS[level]} "
                        f"codes, but {len(other_hits):,} are {other_label} codes "
                        f"({_listed(other_hits)}). Use one set of boundaries.")
        hint = {"ward": " The app knows wards of December 2019; codes from later boundary "
                        "reviews cannot be placed.",
                "lsoa": " LSOA codes must be English LSOAs of 2011 or 2021.",
                "district": " District codes must be English districts of 2019 or 2024."}
        many = len(unknown) > 1
        listed = _listed(f"{c} (line {i})" for i, c in unknown.items())
        raise _Stop(f"{len(unknown):,} code{'s are not known' if many else ' is not a known'} "
                    f"{_KIND_LABEL[kind]} code{'s' if many else ''}: {listed}." + hint[kind])
    return level


# --------------------------------------------------------------------------------------
# The check


def check_upload(data: bytes, *, name: str = "", filename: str = "",
                 code_col: str | None = None, value_col: str | None = None,
                 numerator_col: str | None = None, denominator_col: str | None = None,
                 expected_level: str | None = None, unit: str = "",
                 polarity: str = "no_judgement") -> CheckResult:
    """Check an uploaded CSV and build the indicator. Never raises for a bad file.

    Columns not given are guessed (the guesses are returned so the UI can show them).
    ``expected_level``: "lsoa", "ward" or "district" when the user said what the file holds.
    """
    result = CheckResult()
    try:
        df = _read(data)
        result.columns = list(df.columns)
        guess = guess_columns(df)
        result.guessed = guess
        code_col = code_col or guess["code"]
        # counts chosen by the caller mean "no value column": never guess one beside them
        counts_given = bool(numerator_col or denominator_col)
        numerator_col = numerator_col or (guess["numerator"] if not value_col else None)
        denominator_col = denominator_col or (guess["denominator"] if not value_col else None)
        value_col = value_col or (None if counts_given else guess["value"])
        _check_columns(df, code_col, value_col, numerator_col, denominator_col)
        assert code_col is not None
        codes = _codes(df, code_col, result)
    except _Stop as stop:
        result.errors.append(str(stop))
        return result
    # independent checks: report every problem at once, so one round trip fixes the file
    level = None
    try:
        level = _level_of_codes(codes.drop_duplicates(), expected_level)
    except _Stop as stop:
        result.errors.append(str(stop))
    frame = _values(df, codes, value_col, numerator_col, denominator_col, result)
    if result.errors or level is None:
        return result
    title = safe_name(name, 80) or title_from_filename(filename)
    frame = frame.set_index("code")
    frame.index.name = "code"
    notes = tuple(result.warnings)
    result.indicator = UserIndicator(
        id=f"user-{uuid.uuid4().hex[:8]}", name=title, level=level, frame=frame,
        filename=safe_name(filename, 120), unit=safe_name(unit, 30), polarity=polarity,
        notes=notes)
    return result


_UNSAFE_NAME = re.compile(r"[^\w\s.,;:()%/&+'’<>=\-–—]")


def safe_name(text: str, limit: int) -> str:
    """A user-typed name (indicator, unit, file) as plain words: one line, no control
    characters, none of the Markdown characters ``[ ] ! * _ ` $ | ~ # \\ @`` (no link or
    image can be formed, wherever the name is shown; pages escape it as well) and no leading
    formula sign (``= + - @``); at most ``limit`` characters. ``<``, ``>`` and ``=`` stay
    inside a name ("aged <65", "BMI >= 30")."""
    cleaned = _UNSAFE_NAME.sub(" ", plain_text.clean(text).replace("_", " "))
    cleaned = " ".join(cleaned.split()).lstrip("=+-–—;:,. ")
    return cleaned[:limit].strip()


def title_from_filename(filename: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", filename or "")
    return safe_name(stem, 80) or "My indicator"


#: Checks remembered per session (see :func:`check_once`).
MAX_REMEMBERED = 8


def check_once(cache: MutableMapping[str, CheckResult], data: bytes, **options: Any,
               ) -> CheckResult:
    """:func:`check_upload`, run once per file content and options: Streamlit reruns the
    page on every click while the file stays in the uploader, and a large file must not be
    checked again each time. ``cache`` is the caller's per-session dict (never shared
    between sessions); it keeps the last few results."""
    key = hashlib.sha256(data).hexdigest() + "|" + repr(sorted(options.items()))
    if key in cache:
        return cache[key]
    result = check_upload(data, **options)
    while len(cache) >= MAX_REMEMBERED:
        cache.pop(next(iter(cache)))
    cache[key] = result
    return result


def _check_columns(df: pd.DataFrame, code: str | None, value: str | None,
                   numerator: str | None, denominator: str | None) -> None:
    columns = list(df.columns)
    if code is None:
        raise _Stop("No column of area codes was found. Codes look like E01012345 (LSOA), "
                    "E05011735 (ward) or E06000009 (district); names alone cannot be matched "
                    f"reliably. Columns in the file: {_listed(columns)}.")
    for role, col in (("code", code), ("value", value), ("numerator", numerator),
                      ("denominator", denominator)):
        if col is not None and col not in columns:
            raise _Stop(f"The {role} column '{col}' is not in the file. Columns: "
                        f"{_listed(columns)}.")
    if (numerator is None) != (denominator is None):
        raise _Stop("Give both a numerator and a denominator column, or neither.")
    if value is None and numerator is None:
        raise _Stop("Which column holds the values? Choose a value column (or a numerator "
                    f"and a denominator). Columns in the file: {_listed(columns)}.")
    chosen = [c for c in (code, value, numerator, denominator) if c]
    if len(set(chosen)) != len(chosen):
        raise _Stop("The same column was chosen for two roles; choose different columns.")


def _codes(df: pd.DataFrame, code_col: str, result: CheckResult) -> pd.Series:
    """Clean codes (indexed by file line); blank and duplicated codes are reported."""
    codes = df[code_col].astype(str).str.strip().str.upper()
    malformed = codes[(codes != "") & ~codes.str.match(_CODE.pattern)]
    if len(malformed):
        shown = _listed(f"'{_clip(c)}' (line {i})" for i, c in malformed.items())
        raise _Stop(f"{len(malformed):,} value(s) in the code column '{code_col}' are not area "
                    f"codes: {shown}. Codes are a letter and eight digits, e.g. E01012345.")
    blank = codes[codes == ""]
    if len(blank) == len(codes):
        raise _Stop(f"The code column '{code_col}' is empty.")
    if len(blank):
        result.errors.append(f"{len(blank):,} row(s) have no area code: {_lines(blank.index)}.")
    dup = codes[codes.duplicated(keep=False) & (codes != "")]
    if len(dup):
        groups = dup.groupby(dup).groups
        shown = _listed(f"{c} ({_lines(sorted(idx))})" for c, idx in groups.items())
        result.errors.append(f"{len(groups):,} code(s) appear more than once: {shown}. "
                             "Keep one row per area.")
    return codes[codes != ""]


def _values(df: pd.DataFrame, codes: pd.Series, value_col: str | None,
            numerator_col: str | None, denominator_col: str | None,
            result: CheckResult) -> pd.DataFrame:
    """Numbers of each role, with non-numbers, negative counts and the like reported."""
    out = pd.DataFrame({"code": codes})
    for role, col in (("value", value_col), ("numerator", numerator_col),
                      ("denominator", denominator_col)):
        if col is None:
            continue
        numbers, bad = _numbers(df.loc[codes.index, col])
        if bad.any():
            cells = df.loc[codes.index, col][bad].astype(str)
            shown = _listed(f"'{_clip(v)}' (line {i})" for i, v in cells.items())
            tip = ""
            if cells.str.contains("%", regex=False).any():
                tip = " Remove the % sign and give the unit instead."
            elif cells.str.match(r"^-?\d+,\d+$").any():
                tip = " Use a full stop for decimals (12.5, not 12,5)."
            result.errors.append(f"{int(bad.sum()):,} value(s) in the {role} column '{col}' "
                                 f"are not numbers: {shown}.{tip}")
        out[role] = numbers
    if numerator_col and denominator_col:
        num, den = out["numerator"], out["denominator"]
        neg = out.index[(num < 0) | (den < 0)]
        if len(neg):
            result.errors.append(f"Numerators and denominators cannot be negative: "
                                 f"{_lines(neg)}.")
        over = out.index[num > den]
        if len(over):
            result.errors.append("The numerator is larger than the denominator on "
                                 f"{_lines(over)}. Counts must be part of their denominator "
                                 "(e.g. people with the condition out of people registered).")
        zero = out.index[den == 0]
        if len(zero):
            result.warnings.append(f"{len(zero):,} area(s) have a denominator of 0 and no "
                                   f"value: {_lines(zero)}.")
        if value_col is None:
            out["value"] = (num / den.where(den > 0)).astype(float)
    if result.errors:
        return out
    missing = out.index[out["value"].isna()]
    if len(missing):
        result.warnings.append(f"{len(missing):,} area(s) have no value (blank or suppressed) "
                               f"and are left out: {_lines(missing)}.")
    kept = out[out["value"].notna()]
    if kept.empty:
        result.errors.append("No row has a numeric value.")
    return kept


def _clip(value: Any, n: int = 30) -> str:
    text = str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------------------
# Aggregation to places


@dataclass(frozen=True)
class PlaceValue:
    """An uploaded indicator's value for a place, or the reason there is none."""

    value: float | None
    lower: float | None = None
    upper: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    method: str = ""
    geography_used: str = ""
    coverage: float | None = None
    note: str = ""


@functools.cache
def _lsoa_to_area(level: str) -> pd.Series:
    """LSOA code -> the ward or district it is best-fitted to (read-only, shared)."""
    from loaders import snapshot

    if level == "ward19":
        geo = snapshot.table("geo_lsoa11")
        return geo.set_index("lsoa11cd")["wd19cd"]
    if level == "lad19":
        geo = snapshot.table("geo_lsoa11")
        return geo.set_index("lsoa11cd")["lad19cd"]
    geo = snapshot.table("geo_lsoa21")
    return geo.set_index("lsoa21cd")["lad24cd"]


@functools.cache
def _area_names(level: str) -> dict[str, str]:
    """Ward or district code -> its name for messages (read-only, shared)."""
    from loaders import snapshot

    if level == "ward19":
        w = snapshot.table("wards19")
        return dict(zip(w["wd19cd"], w["wd19nm"] + " (" + w["lad19nm"] + ")", strict=True))
    d = snapshot.table("districts")
    col = "lad19" if level == "lad19" else "lad24"
    return dict(zip(d[f"{col}cd"], d[f"{col}nm"], strict=True))


def _population(vintage: int) -> tuple[pd.Series, str]:
    from explorer.profile import lsoa_frame

    label = ("IoD2019 mid-2015 population (File 7)" if vintage == 2019
             else "Census 2021 usual residents")
    return lsoa_frame(vintage)["pop_total"].astype(float), label


def _counts_value(frame: pd.DataFrame, confidence: float) -> tuple[float | None, ...]:
    from explorer.stats.proportions import wilson_ci

    num = float(frame["numerator"].sum())
    den = float(frame["denominator"].sum())
    if den <= 0:
        return None, None, None, num, den
    lo, hi = wilson_ci(num, den, confidence)
    lo_f = None if lo is None or math.isnan(float(lo)) else float(lo)
    hi_f = None if hi is None or math.isnan(float(hi)) else float(hi)
    return num / den, lo_f, hi_f, num, den


def place_value(ind: UserIndicator, place: Any, confidence: float = 0.95) -> PlaceValue:
    """The indicator's value for a place (an ``explorer.places.Place``), or why there is none."""
    if ind.level in ("lsoa11", "lsoa21"):
        return _lsoa_place_value(ind, place, confidence)
    return _area_place_value(ind, place, confidence)


def _lsoa_place_value(ind: UserIndicator, place: Any, confidence: float) -> PlaceValue:
    vintage = ind.vintage
    codes = list(place.lsoas(vintage))
    if not codes:
        return PlaceValue(None, note=f"{place.name} has no {LEVELS[ind.level]} definition.")
    pop, pop_label = _population(vintage)
    have = ind.frame.index.intersection(codes)
    place_pop = float(pop.reindex(codes).sum())
    coverage = float(pop.reindex(have).sum()) / place_pop if place_pop else 0.0
    cover_note = (f"covers {len(have):,} of {len(codes):,} LSOAs ({coverage:.0%} of residents)")
    if coverage < MIN_COVERAGE:
        return PlaceValue(None, coverage=coverage,
                          note=f"Not shown: the upload {cover_note}; at least "
                               f"{MIN_COVERAGE:.0%} is needed for an honest figure.")
    sub = ind.frame.loc[have]
    note = f"The upload {cover_note}." if len(have) < len(codes) else ""
    if ind.has_counts:
        value, lo, hi, num, den = _counts_value(sub, confidence)
        return PlaceValue(value, lo, hi, num, den, coverage=coverage, geography_used=place.name,
                          method="Sum of numerators ÷ sum of denominators over the place's "
                                 "LSOAs; Wilson score interval", note=note)
    weights = pop.reindex(have)
    ok = weights.notna() & sub["value"].notna()
    if not ok.any() or weights[ok].sum() <= 0:
        return PlaceValue(None, coverage=coverage, note="No population to weight the values.")
    value = float(np.average(sub["value"][ok], weights=weights[ok]))
    return PlaceValue(value, coverage=coverage, geography_used=place.name,
                      method=f"Population-weighted mean of LSOA values (weights: {pop_label}); "
                             "no interval, because the file gives no counts", note=note)


def _area_place_value(ind: UserIndicator, place: Any, confidence: float) -> PlaceValue:
    lsoa_vintage = 2025 if ind.level == "lad24" else 2019
    codes = list(place.lsoas(lsoa_vintage))
    if not codes:
        return PlaceValue(None, note=f"{place.name} has no LSOA definition for this geography.")
    to_area = _lsoa_to_area(ind.level)
    names = _area_names(ind.level)
    areas = sorted(set(to_area.reindex(codes).dropna()))
    label = LEVELS[ind.level].split(" (")[0].lower()
    if len(areas) == 1:
        area = areas[0]
        if area not in ind.frame.index:
            return PlaceValue(None, note=f"The upload has no value for {names.get(area, area)}.")
        row = ind.frame.loc[[area]]
        area_lsoas = set(to_area.index[to_area == area])
        exact = area_lsoas == set(codes)
        used = names.get(area, area)
        note = "" if exact else (f"{place.name} lies inside the {label} {used}; the value is "
                                 f"the {label}'s, not the place's own.")
        if ind.has_counts:
            value, lo, hi, num, den = _counts_value(row, confidence)
            return PlaceValue(value, lo, hi, num, den, method=f"Uploaded {label} counts; "
                              "Wilson score interval", geography_used=used, coverage=1.0,
                              note=note)
        return PlaceValue(float(row["value"].iloc[0]), method=f"Uploaded {label} value",
                          geography_used=used, coverage=1.0, note=note)
    # several areas: honest only when the place is exactly those whole areas
    whole = set(to_area.index[to_area.isin(areas)])
    if whole != set(codes):
        return PlaceValue(None, note=f"Not shown: {place.name} cuts across {len(areas):,} "
                                     f"{label}s, and {label} values cannot be split honestly "
                                     "between parts of areas.")
    missing = [a for a in areas if a not in ind.frame.index]
    if len(missing) == len(areas):
        return PlaceValue(None, note=f"Not shown: the upload has no value for any of the "
                                     f"{len(areas):,} {label}s that make up {place.name}.")
    if missing:
        return PlaceValue(None, note=f"Not shown: the upload has no value for "
                                     f"{len(missing):,} of the {len(areas):,} {label}s that "
                                     f"make up {place.name} "
                                     f"({_listed(names.get(a, a) for a in missing)}).")
    sub = ind.frame.loc[areas]
    used = f"{len(areas):,} {label}s"
    if ind.has_counts:
        value, lo, hi, num, den = _counts_value(sub, confidence)
        return PlaceValue(value, lo, hi, num, den, geography_used=used, coverage=1.0,
                          method=f"Sum of numerators ÷ sum of denominators over the {len(areas):,} "
                                 f"{label}s that make up the place; Wilson score interval")
    pop, pop_label = _population(lsoa_vintage)
    area_pop = pop.groupby(to_area).sum().reindex(areas)
    if area_pop.isna().any() or area_pop.sum() <= 0:
        return PlaceValue(None, note="No population to weight the area values.")
    value = float(np.average(sub["value"], weights=area_pop))
    return PlaceValue(value, geography_used=used, coverage=1.0,
                      method=f"Population-weighted mean of {label} values (weights: "
                             f"{pop_label}); no interval, because the file gives no counts")


def covered_lsoas(ind: UserIndicator) -> frozenset[str]:
    """LSOAs (of the upload's vintage) that the upload has a value for, directly or through
    the ward or district containing them."""
    if ind.level in ("lsoa11", "lsoa21"):
        return frozenset(ind.frame.index)
    to_area = _lsoa_to_area(ind.level)
    return frozenset(to_area.index[to_area.isin(set(ind.frame.index))])


def places_covered(ind: UserIndicator, places: Iterable[Any]) -> list[Any]:
    """The places wholly covered by the upload (their value can be shown), in the order
    given: offered first when the user picks a place to check."""
    covered = covered_lsoas(ind)
    vintage = 2025 if ind.level in ("lsoa21", "lad24") else 2019
    out = []
    for place in places:
        codes = place.lsoas(vintage)
        if codes and covered.issuperset(codes):
            out.append(place)
    return out


def indicator_row(ind: UserIndicator, place: Any, confidence: float = 0.95) -> Any:
    """The place's value as a compare-page record (``explorer.compare.upload_row``),
    compared with England when the upload covers England (rarely)."""
    from explorer.compare import SMALL_COUNT, upload_row
    from explorer.places import registry
    from explorer.stats.compare import compare_to_benchmark

    pv = place_value(ind, place, confidence)
    eng = place_value(ind, registry().get("england"), confidence)
    label = "99.8%" if confidence > 0.99 else "95%"
    comparison = compare_to_benchmark(pv.value, pv.lower, pv.upper, eng.value,
                                      ind.polarity, label)
    note = " ".join(p for p in (pv.method + "." if pv.method else "", pv.note) if p)
    return upload_row(
        indicator_id=ind.id, name=ind.name, place=place.name, period="Uploaded",
        value=pv.value, lower_ci=pv.lower, upper_ci=pv.upper, count=pv.numerator,
        denominator=pv.denominator, england_value=eng.value, compared_to_england=comparison,
        geography_used=pv.geography_used, note=note, source=ind.source,
        unit="%" if ind.has_counts else (ind.unit or "value"), polarity=ind.polarity,
        small_number=pv.numerator is not None and pv.numerator < SMALL_COUNT,
        confidence=99.8 if confidence > 0.99 else 95.0)
