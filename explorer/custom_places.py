"""Your own places: a name plus member areas, resolved to LSOAs of both vintages.

A facilitator's neighbourhood (an Integrated Care Community, a PCN's patch, "the estates
around Grange Park") is rarely drawn by any publisher. Here it is a *definition*: a name and a
set of member codes of any of these levels, in any mix:

- electoral wards, December 2019 (``E05…``), by the LSOAs ONS best-fits to them;
- LSOAs 2011 and LSOAs 2021 (``E01…``; a code in both vintages is the same unchanged area);
- MSOAs 2011 (``E02…`` or the House of Commons Library name), which LSOAs 2011 nest in;
- whole districts (2019 or 2024 codes, or names), with both vintages' official LSOA sets.

Mixed levels resolve to LSOAs. The other vintage is reached through the official ONS LSOA
2011→2021 lookup with the same half-or-more rule the built-in places use, and every
approximation is stated with the population it concerns: nothing is silent.

The definition travels in the URL as a compact, versioned token (:func:`encode`), so a
shared link or a scene reopens the place anywhere with nothing stored on a server; a damaged
token gives a message, never an exception (:func:`decode`). :func:`export_yaml` /
:func:`import_file` read and write a set of places as a small readable file.
"""

from __future__ import annotations

import base64
import csv
import functools
import io
import re
import struct
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from explorer.places import Place, _norm, lsoa21_from_lsoa11, registry, slug
from loaders import snapshot

#: Token format version; a new format gets a new leading character, old links keep working.
VERSION = "1"
MAX_NAME = 60
MAX_MEMBERS = 3000
MAX_TOKEN = 12_000
MAX_FILE_BYTES = 256_000
MAX_PLACES_IN_FILE = 50

LEVELS = {
    "ward19": "wards (December 2019)",
    "lsoa11": "LSOAs (2011)",
    "lsoa21": "LSOAs (2021)",
    "lsoa": "LSOAs (unchanged 2011–2021)",
    "msoa11": "MSOAs (2011)",
    "district": "districts",
}
#: Code prefixes a token can hold (position = the byte written).
_PREFIXES = ("E01", "E02", "E05", "E06", "E07", "E08", "E09")
_CODE = re.compile(r"^E0[125-9]\d{6}$")


class CustomPlaceError(ValueError):
    """A definition that cannot be used; the message is meant for the screen."""


@dataclass(frozen=True)
class Member:
    code: str
    level: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.name != self.code else self.code


@dataclass(frozen=True)
class CustomPlace:
    """A resolved custom place: the :class:`Place` every page uses, plus how it was made."""

    place: Place
    members: tuple[Member, ...]
    fit: tuple[str, ...]
    unknown: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.members)

    @property
    def token(self) -> str:
        return encode(self.place.name, self.codes)

    @property
    def summary(self) -> str:
        return (f"custom place: {len(self.place.lsoa11)} LSOAs (2011) / "
                f"{len(self.place.lsoa21)} LSOAs (2021)")


# --------------------------------------------------------------------------------------
# Lookups over the snapshot (built once per process)


@dataclass(frozen=True)
class _Lookups:
    lsoa11: dict[str, str]          # code -> name
    lsoa21: dict[str, str]
    ward_lsoa11: dict[str, tuple[str, ...]]
    ward_names: dict[str, str]
    msoa_lsoa11: dict[str, tuple[str, ...]]
    msoa_names: dict[str, str]      # code -> HCL name
    msoa_by_name: dict[str, list[str]]
    children: dict[str, tuple[str, ...]]   # lsoa11 -> lsoa21
    parents: dict[str, tuple[str, ...]]    # lsoa21 -> lsoa11
    pop11: dict[str, float]          # mid-2015 (IoD2019 denominators)
    pop21: dict[str, float]          # Census 2021


def _group(keys: list, values: list) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for k, v in zip(keys, values, strict=True):
        out.setdefault(k, []).append(v)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.cache
def _lookups() -> _Lookups:
    g11 = snapshot.table("geo_lsoa11")
    g21 = snapshot.table("geo_lsoa21")
    lk = snapshot.table("lsoa11_lsoa21")
    i19 = snapshot.table("iod2019_lsoa11")
    c21 = snapshot.table("census2021_age_lsoa21")
    l11 = g11["lsoa11cd"].tolist()
    msoa_names = dict(zip(g11["msoa11cd"].tolist(), g11["msoa11hclnm"].tolist(), strict=True))
    by_name: dict[str, list[str]] = {}
    for code, name in sorted(msoa_names.items()):
        by_name.setdefault(_norm(str(name)), []).append(code)
    return _Lookups(
        lsoa11=dict(zip(l11, g11["lsoa11nm"].tolist(), strict=True)),
        lsoa21=dict(zip(g21["lsoa21cd"].tolist(), g21["lsoa21_name_x"].tolist(), strict=True)),
        ward_lsoa11=_group(g11["wd19cd"].tolist(), l11),
        ward_names=dict(zip(g11["wd19cd"].tolist(),
                            (f"{w}, {d}" for w, d in zip(g11["wd19nm"].tolist(),
                                                          g11["lad19nm"].tolist(),
                                                          strict=True)), strict=True)),
        msoa_lsoa11=_group(g11["msoa11cd"].tolist(), l11),
        msoa_names=msoa_names, msoa_by_name=by_name,
        children=_group(lk["lsoa11cd"].tolist(), lk["lsoa21cd"].tolist()),
        parents=_group(lk["lsoa21cd"].tolist(), lk["lsoa11cd"].tolist()),
        pop11=dict(zip(i19["lsoa11cd"].tolist(), i19["pop_total"].astype(float).tolist(),
                       strict=True)),
        pop21=dict(zip(c21["lsoa21cd"].tolist(), c21["pop_total"].astype(float).tolist(),
                       strict=True)),
    )


@functools.cache
def _districts() -> dict[str, Place]:
    """District code (2019 and 2024) -> the built-in district place."""
    out: dict[str, Place] = {}
    for p in registry().all():
        if p.kind in ("district", "former district") and p.code:
            out.setdefault(p.code, p)
    return out


def lsoa11_from_lsoa21(lsoa21: Iterable[str]) -> tuple[str, ...]:
    """LSOA 2011 codes whose 2021 children are at least half inside the given set (the
    mirror of :func:`explorer.places.lsoa21_from_lsoa11`)."""
    lk = _lookups()
    counts: dict[str, int] = {}
    for code in set(lsoa21):
        for parent in lk.parents.get(code, ()):
            counts[parent] = counts.get(parent, 0) + 1
    return tuple(sorted(c for c, k in counts.items() if k / len(lk.children[c]) >= 0.5))


# --------------------------------------------------------------------------------------
# Members: codes or names -> typed members


def identify(token: str) -> Member | None:
    """One pasted code or name -> a member, or None when nothing matches."""
    text = " ".join(str(token).split())
    if not text or len(text) > 120:
        return None
    code = text.upper()
    if code.startswith("WARD-"):
        code = code[5:]
    lk = _lookups()
    if _CODE.match(code):
        if code.startswith("E01"):
            in11, in21 = code in lk.lsoa11, code in lk.lsoa21
            if in11 and in21:
                return Member(code, "lsoa", lk.lsoa11[code])
            if in11:
                return Member(code, "lsoa11", lk.lsoa11[code])
            if in21:
                return Member(code, "lsoa21", lk.lsoa21[code])
            return None
        if code.startswith("E02"):
            return Member(code, "msoa11", lk.msoa_names[code]) if code in lk.msoa_names \
                else None
        if code.startswith("E05"):
            return Member(code, "ward19", lk.ward_names[code]) if code in lk.ward_names \
                else None
        d = _districts().get(code)
        return Member(code, "district", d.name) if d else None
    key = _norm(text)
    hits = lk.msoa_by_name.get(key)
    if hits and len(hits) == 1:
        return Member(hits[0], "msoa11", lk.msoa_names[hits[0]])
    by_lsoa_name = _lsoa_by_name().get(key)
    if by_lsoa_name:
        return identify(by_lsoa_name)
    try:
        p = registry().resolve(text)
    except LookupError:
        return None
    if p.kind in ("district", "former district") and p.code:
        return Member(p.code, "district", p.name)
    if p.kind == "ward" and p.code:
        return Member(p.code, "ward19", lk.ward_names.get(p.code, p.name))
    return None


@functools.cache
def _lsoa_by_name() -> dict[str, str]:
    lk = _lookups()
    out = {_norm(n): c for c, n in lk.lsoa21.items()}
    out.update({_norm(n): c for c, n in lk.lsoa11.items()})
    return out


def split_codes(text: str) -> list[str]:
    """A pasted list: one per line, or separated by commas, semicolons or tabs."""
    parts = re.split(r"[\n\r,;\t]+", str(text)[:MAX_FILE_BYTES])
    out: list[str] = []
    for p in parts:
        p = p.strip().strip("\"'")
        if p and p not in out:
            out.append(p)
    return out


def members_of(tokens: Iterable[str]) -> tuple[list[Member], list[str]]:
    """Tokens -> (members, tokens that matched nothing). A line holding several codes
    separated by spaces is read as several codes."""
    members: dict[str, Member] = {}
    unknown: list[str] = []
    for tok in tokens:
        m = identify(tok)
        if m is None and " " in tok.strip():
            subs = [identify(t) for t in tok.split()]
            if subs and all(subs):
                for s in subs:
                    members.setdefault(s.code, s)  # type: ignore[union-attr]
                continue
        if m is None:
            unknown.append(str(tok)[:40])
        else:
            members.setdefault(m.code, m)
    return sorted(members.values(), key=lambda m: m.code), unknown


# --------------------------------------------------------------------------------------
# Resolution to LSOAs of both vintages, with the fit stated


def clean_name(name: str) -> str:
    """A user's name for a place as safe plain text: no control or markup characters."""
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in ("C",))
    text = re.sub(r"[<>\[\]{}()*_`#|\\~^$=+!@%]", "", text)
    text = " ".join(text.split())[:MAX_NAME].strip(" ,.-")
    return text


def place_id(name: str, codes: Iterable[str]) -> str:
    """Stable id from the name and members, so one definition has one id on any machine."""
    digest = zlib.crc32(("|".join(sorted(set(codes))) + "#" + name).encode()) & 0xFFFFFF
    return f"custom-{slug(name)[:32].strip('-') or 'place'}-{digest:06x}"


def _n(x: float) -> str:
    return f"{round(x):,}"


def build(name: str, members: Iterable[Member | str]) -> CustomPlace:
    """A custom place from a name and members (or codes/names to identify).

    Raises :class:`CustomPlaceError` with a message for the screen when the name is empty or
    no member is recognised.
    """
    clean = clean_name(name)
    if not clean:
        raise CustomPlaceError("Give the place a name (letters or digits).")
    ms: dict[str, Member] = {}
    unknown: list[str] = []
    for m in members:
        if isinstance(m, str):
            got = identify(m)
            if got is None:
                unknown.append(m[:40])
                continue
            m = got
        ms.setdefault(m.code, m)
    if not ms:
        raise CustomPlaceError("None of the areas given is a known ward, LSOA, MSOA or "
                               "district" + (f": {', '.join(unknown[:5])}" if unknown else "."))
    if len(ms) > MAX_MEMBERS:
        raise CustomPlaceError(f"A custom place can have at most {MAX_MEMBERS:,} members.")
    members_t = tuple(sorted(ms.values(), key=lambda m: m.code))
    lk = _lookups()
    native11: set[str] = set()
    native21: set[str] = set()
    both11: set[str] = set()
    both21: set[str] = set()
    for m in members_t:
        if m.level == "ward19":
            native11.update(lk.ward_lsoa11[m.code])
        elif m.level == "msoa11":
            native11.update(lk.msoa_lsoa11[m.code])
        elif m.level == "lsoa11":
            native11.add(m.code)
        elif m.level == "lsoa21":
            native21.add(m.code)
        elif m.level == "lsoa":
            both11.add(m.code)
            both21.add(m.code)
        elif m.level == "district":
            d = _districts()[m.code]
            both11.update(d.lsoa11)
            both21.update(d.lsoa21)
    fit: list[str] = []
    from11 = set(lsoa21_from_lsoa11(native11)) if native11 else set()
    from21 = set(lsoa11_from_lsoa21(native21)) if native21 else set()
    lsoa11 = tuple(sorted(native11 | both11 | from21))
    lsoa21 = tuple(sorted(native21 | both21 | from11))
    if any(m.level == "ward19" for m in members_t):
        fit.append("Wards are made of the LSOAs (2011) that ONS best-fits to them; where an "
                   "LSOA straddles a ward boundary it counts wholly in one ward.")
    if native11:
        fit.extend(_fit_forward(native11, native11 | both11, lsoa21, lk))
    if native21:
        fit.extend(_fit_backward(native21, lsoa11, lk))
    overlap = _overlaps(members_t, lk)
    if overlap:
        fit.append(overlap)
    if not lsoa11 and not lsoa21:
        raise CustomPlaceError("The members given contain no LSOA.")
    kinds: dict[str, list[Member]] = {}
    for m in members_t:
        kinds.setdefault(m.level, []).append(m)
    parts = []
    for level, items in kinds.items():
        shown = ", ".join(m.label for m in items[:8])
        more = f" and {len(items) - 8} more" if len(items) > 8 else ""
        parts.append(f"{len(items)} {LEVELS[level]}: {shown}{more}")
    summary = f"{len(lsoa11)} LSOAs (2011) / {len(lsoa21)} LSOAs (2021)"
    definition = (f"Custom place: {summary}. Made of " + "; ".join(parts) + ". "
                  + (" ".join(fit) if fit else "Both LSOA vintages are exact."))
    place = Place(id=place_id(clean, ms), name=clean, kind="custom", definition=definition,
                  lsoa11=lsoa11, lsoa21=lsoa21, code=None)
    return CustomPlace(place=place, members=members_t, fit=tuple(fit), unknown=tuple(unknown))


def _fit_forward(native11: set[str], inside: set[str], lsoa21: tuple[str, ...],
                 lk: _Lookups) -> list[str]:
    """State which 2021 LSOAs straddle the edge of a 2011-defined selection."""
    chosen = set(lsoa21)
    touched = {c for code in native11 for c in lk.children.get(code, ())}
    partial = sorted(c for c in touched if not set(lk.parents[c]) <= inside)
    if not partial:
        return ["LSOA 2021 version: exact through the ONS LSOA 2011→2021 lookup (splits and "
                "unchanged areas only)."]
    inc = [c for c in partial if c in chosen]
    exc = [c for c in partial if c not in chosen]
    bits = []
    if inc:
        extra = sum(lk.pop11.get(p, 0) for c in inc for p in lk.parents[c] if p not in inside)
        bits.append(f"{len(inc)} included ({_n(sum(lk.pop21.get(c, 0) for c in inc))} "
                    f"residents in 2021, about {_n(extra)} of them from outside the selection "
                    "by 2015 populations)")
    if exc:
        lost = sum(lk.pop11.get(p, 0) for c in exc for p in lk.parents[c] if p in native11)
        bits.append(f"{len(exc)} left out (about {_n(lost)} residents of the selection by "
                    "2015 populations)")
    return [f"LSOA 2021 version approximated through the ONS 2011→2021 lookup: "
            f"{len(partial)} LSOAs (2021) were merged from areas inside and outside the "
            f"selection; those at least half inside are kept: {'; '.join(bits)}."]


def _fit_backward(native21: set[str], lsoa11: tuple[str, ...], lk: _Lookups) -> list[str]:
    """State which 2011 LSOAs straddle the edge of a 2021-defined selection."""
    chosen = set(lsoa11)
    touched = {p for code in native21 for p in lk.parents.get(code, ())}
    partial = sorted(p for p in touched if not set(lk.children[p]) <= native21)
    if not partial:
        return ["LSOA 2011 version: exact through the ONS LSOA 2011→2021 lookup."]
    inc = [p for p in partial if p in chosen]
    exc = [p for p in partial if p not in chosen]
    bits = []
    if inc:
        extra = sum(lk.pop21.get(c, 0) for p in inc for c in lk.children[p] if c not in native21)
        bits.append(f"{len(inc)} included ({_n(sum(lk.pop11.get(p, 0) for p in inc))} "
                    f"residents in 2015, about {_n(extra)} of them, by Census 2021, in parts "
                    "outside the selection)")
    if exc:
        lost = sum(lk.pop21.get(c, 0) for p in exc for c in lk.children[p] if c in native21)
        bits.append(f"{len(exc)} left out (about {_n(lost)} residents of the selection by "
                    "Census 2021)")
    return [f"LSOA 2011 version approximated through the ONS 2011→2021 lookup: "
            f"{len(partial)} LSOAs (2011) were split into areas inside and outside the "
            f"selection; those at least half inside are kept: {'; '.join(bits)}."]


def _overlaps(members: tuple[Member, ...], lk: _Lookups) -> str:
    seen: dict[str, str] = {}
    dup = 0
    for m in members:
        if m.level == "ward19":
            lsoas: tuple[str, ...] = lk.ward_lsoa11[m.code]
        elif m.level == "msoa11":
            lsoas = lk.msoa_lsoa11[m.code]
        elif m.level in ("lsoa11", "lsoa"):
            lsoas = (m.code,)
        elif m.level == "district":
            lsoas = _districts()[m.code].lsoa11
        else:
            continue
        for code in lsoas:
            if code in seen:
                dup += 1
            else:
                seen[code] = m.code
    if not dup:
        return ""
    return (f"Members overlap ({dup} LSOAs (2011) are in more than one member); each LSOA "
            "counts once.")


# --------------------------------------------------------------------------------------
# The URL token: version + base64url(flags, packed body, CRC-32)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        if i >= len(data) or shift > 35:
            raise CustomPlaceError("the link's place definition is cut short")
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def _pack(name: str, codes: Iterable[str]) -> bytes:
    by_prefix: dict[int, list[int]] = {}
    for code in sorted(set(codes)):
        if not _CODE.match(code):
            raise CustomPlaceError(f"'{code[:20]}' is not an area code")
        by_prefix.setdefault(_PREFIXES.index(code[:3]), []).append(int(code[3:]))
    raw_name = name.encode("utf-8")
    body = bytearray(_varint(len(raw_name)) + raw_name)
    for idx in sorted(by_prefix):
        nums = by_prefix[idx]
        body.append(idx)
        body += _varint(len(nums))
        prev = 0
        for n in nums:
            body += _varint(n - prev)
            prev = n
    return bytes(body)


def _unpack(body: bytes) -> tuple[str, tuple[str, ...]]:
    n, i = _read_varint(body, 0)
    if n > 4 * MAX_NAME or i + n > len(body):
        raise CustomPlaceError("the link's place name is damaged")
    name = body[i:i + n].decode("utf-8")
    i += n
    codes: list[str] = []
    last_idx = -1
    while i < len(body):
        idx = body[i]
        i += 1
        if idx >= len(_PREFIXES) or idx <= last_idx:
            raise CustomPlaceError("the link's place definition is damaged")
        last_idx = idx
        count, i = _read_varint(body, i)
        if count == 0 or len(codes) + count > MAX_MEMBERS:
            raise CustomPlaceError("the link's place definition is damaged")
        prev = 0
        for k in range(count):
            d, i = _read_varint(body, i)
            if k and d == 0:
                raise CustomPlaceError("the link's place definition is damaged")
            prev += d
            if prev > 999_999:
                raise CustomPlaceError("the link's place definition is damaged")
            codes.append(f"{_PREFIXES[idx]}{prev:06d}")
    return name, tuple(codes)


def encode(name: str, codes: Iterable[str]) -> str:
    """A compact URL-safe token for a definition: ``1`` + base64url(flag, body, CRC-32).

    Codes are sorted and grouped by prefix, their numbers delta-coded as varints, and the
    body zlib-compressed when that is shorter."""
    body = _pack(clean_name(name), codes)
    packed = zlib.compress(body, 9)
    flag, data = (1, packed) if len(packed) < len(body) else (0, body)
    blob = bytes([flag]) + data + struct.pack(">I", zlib.crc32(body))
    return VERSION + base64.urlsafe_b64encode(blob).decode("ascii").rstrip("=")


def decode_definition(token: str) -> tuple[str, tuple[str, ...]]:
    """Token -> (name, codes); raises :class:`CustomPlaceError` with a readable reason."""
    text = str(token).strip()
    if not text:
        raise CustomPlaceError("the link holds an empty place definition")
    if len(text) > MAX_TOKEN:
        raise CustomPlaceError("the link's place definition is too long")
    if text[0] != VERSION:
        raise CustomPlaceError("the link's place definition is from an unknown version of "
                               "the app")
    payload = text[1:]
    if not re.fullmatch(r"[A-Za-z0-9_-]*", payload):
        raise CustomPlaceError("the link's place definition has characters a link cannot "
                               "hold (was it cut or edited?)")
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (ValueError, TypeError) as exc:
        raise CustomPlaceError("the link's place definition is cut short") from exc
    if base64.urlsafe_b64encode(blob).decode("ascii").rstrip("=") != payload:
        raise CustomPlaceError("the link's place definition was altered (was the link cut "
                               "or edited?)")
    if len(blob) < 6 or blob[0] not in (0, 1):
        raise CustomPlaceError("the link's place definition is cut short or damaged")
    data, crc = blob[1:-4], struct.unpack(">I", blob[-4:])[0]
    if blob[0] == 1:
        try:
            d = zlib.decompressobj()
            body = d.decompress(data, 64_000)
            if d.unconsumed_tail or not d.eof:
                raise CustomPlaceError("the link's place definition is damaged")
        except zlib.error as exc:
            raise CustomPlaceError("the link's place definition is damaged") from exc
    else:
        body = data
    if zlib.crc32(body) != crc:
        raise CustomPlaceError("the link's place definition fails its check (was the link "
                               "cut or edited?)")
    try:
        name, codes = _unpack(body)
    except UnicodeDecodeError as exc:
        raise CustomPlaceError("the link's place name is damaged") from exc
    return name, codes


def decode(token: str) -> tuple[CustomPlace | None, str | None]:
    """Token -> (place, None) or (None, message). Never raises."""
    try:
        name, codes = decode_definition(token)
        cp = build(name, codes)
    except CustomPlaceError as exc:
        return None, f"A custom place in the link was ignored: {exc}."
    except Exception:  # a link must never break the page
        return None, "A custom place in the link was ignored: its definition is damaged."
    if cp.unknown:
        return cp, (f"Custom place '{cp.place.name}': {len(cp.unknown)} member code(s) in the "
                    f"link are no longer known and were left out: {', '.join(cp.unknown[:5])}.")
    return cp, None


# --------------------------------------------------------------------------------------
# A set of places as a small readable file


def export_yaml(places: Iterable[CustomPlace]) -> str:
    """YAML a facilitator can read and edit: name, members (codes with names as comments)."""
    lines = ["# Health Equity Explorer: custom places (edit freely; codes are ONS area codes:",
             "# wards 2019 E05, LSOAs E01, MSOAs 2011 E02, districts E06-E09)",
             f"version: {VERSION}", "places:"]
    for cp in places:
        name = yaml.safe_dump(cp.place.name, allow_unicode=True).strip()
        lines.append(f"  - name: {name.removesuffix('...').strip()}")
        lines.append("    members:")
        for m in cp.members:
            safe = " ".join(m.name.split())
            lines.append(f"      - {m.code}  # {safe}")
    return "\n".join(lines) + "\n"


def export_csv(places: Iterable[CustomPlace]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["place", "code", "level", "area_name"])
    for cp in places:
        for m in cp.members:
            w.writerow([cp.place.name, m.code, m.level, m.name])
    return buf.getvalue()


def import_file(data: bytes | str) -> tuple[list[CustomPlace], list[str]]:
    """A YAML or CSV file of custom places -> (places, messages). Never raises."""
    try:
        if isinstance(data, bytes):
            if len(data) > MAX_FILE_BYTES:
                return [], [f"The file is over {MAX_FILE_BYTES // 1000} kB; a set of custom "
                            "places is much smaller."]
            text = data.decode("utf-8-sig")
        else:
            text = data[:MAX_FILE_BYTES + 1]
            if len(text) > MAX_FILE_BYTES:
                return [], [f"The file is over {MAX_FILE_BYTES // 1000} kB."]
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text."]
    specs, messages = _read_specs(text)
    out: list[CustomPlace] = []
    for n, (name, codes) in enumerate(specs[:MAX_PLACES_IN_FILE], start=1):
        try:
            cp = build(name, codes)
        except CustomPlaceError as exc:
            messages.append(f"Place {n} ('{clean_name(name)[:40]}'): {exc}")
            continue
        if cp.unknown:
            messages.append(f"Place '{cp.place.name}': left out unknown codes "
                            f"{', '.join(cp.unknown[:5])}.")
        out.append(cp)
    if len(specs) > MAX_PLACES_IN_FILE:
        messages.append(f"Only the first {MAX_PLACES_IN_FILE} places were read.")
    return out, messages


def _read_specs(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    head = text.lstrip().splitlines()[0] if text.strip() else ""
    if head.lower().replace(" ", "").startswith("place,"):
        rows = list(csv.DictReader(io.StringIO(text)))
        grouped: dict[str, list[str]] = {}
        for r in rows:
            name, code = str(r.get("place") or "").strip(), str(r.get("code") or "").strip()
            if name and code:
                grouped.setdefault(name, []).append(code)
        if not grouped:
            return [], ["The CSV has no rows with a place and a code."]
        return list(grouped.items()), []
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return [], [f"The file is neither a CSV with columns place,code nor valid YAML{where}."]
    if isinstance(doc, dict):
        doc = doc.get("places", doc.get("custom_places"))
    if not isinstance(doc, list):
        return [], ["The file has no list of places (expected 'places:' with name and "
                    "members)."]
    return specs_from_list(doc)


def specs_from_list(items: list) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """[{name, members}] (YAML, scenes) -> (specs, messages); anything else is reported."""
    out: list[tuple[str, list[str]]] = []
    messages: list[str] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "name" not in item or "members" not in item:
            messages.append(f"Place {n}: needs a name and members.")
            continue
        members = item["members"]
        if isinstance(members, str):
            members = split_codes(members)
        if not isinstance(members, list):
            messages.append(f"Place {n}: members must be a list of codes.")
            continue
        out.append((str(item["name"]), [str(m) for m in members][:MAX_MEMBERS]))
    return out, messages
