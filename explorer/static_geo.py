"""Content-hashed static GeoJSON files under ``<repo>/static/`` (served at ``/app/static/``).

Why: a map's geometry sent inside the deck spec is parsed by Streamlit's slow JSON5 parser
and re-sent on every new session; served as a static file it is fetched once, gzipped, parsed
natively by deck.gl and revalidated with a 304 on the next visit
(``../shared/notes/map-performance.md``).

How a file is found without rebuilding it: the caller passes an *input key* (the snapshot
tables' hashes, the builder's format version, the extent…). An index maps that key to the file
name ``<prefix>-<sha256 of the content>[:16].json``. A build may instead return a folder of
files (``{relative path: bytes}``, e.g. map tiles ``z/x/y.json``): it is stored as the folder
``<prefix>-<hash of its files>/`` and handled as one entry (built, checked, evicted whole).
A file is used only if it exists and its content still hashes to its name (checked once per
process); otherwise it is rebuilt. Builds of one input key hold that key's lock (a thread
lock plus ``flock`` on a lock file, striped 256 ways by the key), so concurrent sessions and
server processes never build the same file twice, while maps of other extents are built, or
served, meanwhile.
Writing a file into the folder, the index and eviction happen under one short folder lock,
so nobody serves a half-written file (writes go to a temporary file that is renamed into
place) or evicts a file before it is indexed. When a prefix gets a new file, older files of
that prefix are removed. Run ``python -m explorer.static_geo`` to pre-generate the usual maps
at deploy time (read-only or multi-replica deployments).

A build that returns PNG bytes (the all-England map's picture, :mod:`explorer.picture`) is
stored as ``<prefix>-<hash>.png``.

The served folder holds nothing but content-hashed ``.json`` and ``.png`` files and tile
folders: the
index, the lock and temporary files live in a sibling folder (``.static-meta``), so no
dotfile is ever served.
The folder is bounded, because every distinct extent or selection in a link makes a file:
after each build the least recently used files are evicted until the folder is under
``HEE_STATIC_MAX_MB`` (default 256 MB) and ``HEE_STATIC_MAX_FILES`` (default 400) files.
An evicted file is rebuilt on its next use.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from loaders.paths import REPO_ROOT

#: Streamlit serves ``<main script folder>/static`` at ``/app/static`` when
#: ``server.enableStaticServing`` is on (``.streamlit/config.toml``).
URL_PREFIX = "app/static"
INDEX = ".index.json"
_HASH_LEN = 16
LOCK = ".lock"
_thread_lock = threading.RLock()
#: Build locks striped by the input key's digest: bounded (keys come from links: extents,
#: selections), and two keys share a stripe with a chance of 1 in 256.
_STRIPES = 256
_key_locks = [threading.RLock() for _ in range(_STRIPES)]
_held = threading.local()  # stripes this thread holds (re-entry skips the flock)
_verified: dict[str, float] = {}
#: tile folder -> when its signature was last checked; within this many seconds a verified
#: folder is trusted (its signature stats every one of its hundreds of tiles)
FOLDER_RECHECK_S = 60.0
_folder_checked: dict[str, float] = {}
#: file name -> last time this process handed it out (for least-recently-used eviction)
_last_used: dict[str, float] = {}
#: a served file ends in its content hash and its type (JSON, or a PNG picture); a folder
#: (map tiles) in its hash alone
_SUFFIX = r"(\.json|\.png)?"
_SERVED = re.compile(r"^[A-Za-z0-9_.-]+-[0-9a-f]{16}" + _SUFFIX + "$")
_REL = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.json$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: What a build returns: one file's bytes, or a folder's files by relative path.
Content = bytes | Mapping[str, bytes]


def static_dir() -> Path:
    """The served folder; ``HEE_STATIC_DIR`` lets tests use a temporary one."""
    return Path(os.environ.get("HEE_STATIC_DIR", REPO_ROOT / "static"))


def meta_dir(folder: Path | None = None) -> Path:
    """The unserved sibling folder holding the index, the lock and temporary files."""
    folder = folder or static_dir()
    return folder.parent / f".{folder.name}-meta"


def max_bytes() -> int:
    return int(float(os.environ.get("HEE_STATIC_MAX_MB", "256")) * 1_000_000)


def max_files() -> int:
    return int(os.environ.get("HEE_STATIC_MAX_FILES", "400"))


def url(name: str, base_url_path: str = "") -> str:
    """Root-relative URL of a static file, honouring ``server.baseUrlPath``."""
    base = base_url_path.strip("/")
    return "/" + "/".join(p for p in (base, URL_PREFIX, name) if p)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:_HASH_LEN]


def tree_hash(files: Mapping[str, bytes]) -> str:
    """Hash of a folder of files: their relative paths and contents, in path order."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return h.hexdigest()[:_HASH_LEN]


def _read_tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in path.rglob("*") if p.is_file()}


def _tree_signature(path: Path) -> float:
    """Changes when a file of the folder is added, removed or rewritten."""
    stamps = [p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()]
    return float(len(stamps)) + max(stamps, default=0) / 1e9


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def key_digest(key: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(map(str, key)).encode()).hexdigest()


_depth = threading.local()


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """The folder lock, exclusive across threads (RLock) and processes (flock on a lock
    file): held only to write, index and evict, never while building.

    Re-entrant all the same: only the outermost level takes the ``flock``, because a second
    ``flock`` from the same process on a new file descriptor would wait for itself forever.
    """
    folder.mkdir(parents=True, exist_ok=True)
    meta = meta_dir(folder)
    meta.mkdir(parents=True, exist_ok=True)
    with _thread_lock:
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        try:
            if depth:
                yield
                return
            with open(meta / LOCK, "a+") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            _depth.n = depth


@contextlib.contextmanager
def _key_locked(folder: Path, digest: str) -> Iterator[None]:
    """Exclusive for one input key (its stripe), across threads and processes: two sessions
    asking for the same new map wait for one build; a map of another extent does not wait.
    Builds nest only from bigger to smaller files (a map needs the code list), so the
    stripes cannot deadlock; a nested build in a stripe this thread already holds re-enters
    it without a second ``flock`` (which would wait for itself)."""
    stripe = int(digest[:8], 16) % _STRIPES
    held: set[int] = _held.__dict__.setdefault("stripes", set())
    with _key_locks[stripe]:
        if stripe in held:
            yield
            return
        meta = meta_dir(folder) / "keys"
        meta.mkdir(parents=True, exist_ok=True)
        with open(meta / f"{stripe:02x}.lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            held.add(stripe)
            try:
                yield
            finally:
                held.discard(stripe)
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


_index_cache: dict[str, tuple[float, dict]] = {}


def _read_index(folder: Path) -> dict[str, dict]:
    """digest -> {"file": name, "meta": {...}} (re-read only when the file changed)."""
    path = meta_dir(folder) / INDEX
    try:
        mtime = path.stat().st_mtime
        cached = _index_cache.get(str(path))
        if cached and cached[0] == mtime:
            return dict(cached[1])
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    index = {k: (v if isinstance(v, dict) else {"file": v, "meta": {}}) for k, v in data.items()
             if isinstance(v, dict | str)}
    _index_cache[str(path)] = (mtime, index)
    return dict(index)


def _write_atomic(path: Path, data: bytes, tmp_dir: Path | None = None) -> None:
    """Write to a temporary file (in the unserved folder) and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=tmp_dir or path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def is_valid(path: Path) -> bool:
    """The file (or tile folder) exists and its content still hashes to the hash in its
    name."""
    m = re.search(r"-([0-9a-f]{16})" + _SUFFIX + "$", path.name)
    if not m:
        return False
    folder = m.group(2) is None
    if not (path.is_dir() if folder else path.is_file()):
        return False
    try:
        if folder and time.time() - _folder_checked.get(str(path), 0.0) < FOLDER_RECHECK_S \
                and str(path) in _verified:
            return True  # a tile folder's signature stats every tile: not on every visit
        stamp = _tree_signature(path) if folder else path.stat().st_mtime
        if _verified.get(str(path)) == stamp:
            if folder:
                _folder_checked[str(path)] = time.time()
            return True
        digest = tree_hash(_read_tree(path)) if folder else content_hash(path.read_bytes())
        ok = digest == m.group(1)
    except OSError:
        return False
    if ok:
        _verified[str(path)] = stamp
        if folder:
            _folder_checked[str(path)] = time.time()
    return ok


def _write_tree(path: Path, files: Mapping[str, bytes], tmp_dir: Path) -> None:
    """Write a folder of files under a temporary name, then rename it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=tmp_dir))
    try:
        for rel, data in files.items():
            if not _REL.match(rel):
                raise ValueError(f"unsafe file path {rel!r} in a static folder")
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, 0o644)
        for d in (tmp, *[p for p in tmp.rglob("*") if p.is_dir()]):
            os.chmod(d, 0o755)
        if path.exists():
            _remove(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _known(folder: Path, digest: str) -> tuple[str, dict] | None:
    entry = _read_index(folder).get(digest)
    if entry and is_valid(folder / str(entry.get("file"))):
        name = str(entry["file"])
        _last_used[name] = time.time()
        return name, dict(entry.get("meta") or {})
    return None


def ensure(prefix: str, key: Sequence[str], build: Callable[[], bytes]) -> str:
    """The file name for ``prefix`` and input ``key``, building the file if it is missing,
    stale or corrupt. ``build`` must return the complete file content (valid JSON, no NaN).
    """
    return ensure_meta(prefix, key, lambda: (build(), {}))[0]


def ensure_meta(prefix: str, key: Sequence[str],
                build: Callable[[], tuple[Content, dict]]) -> tuple[str, dict]:
    """Like :func:`ensure`, with a small JSON-able ``meta`` dict kept in the index beside the
    file name (e.g. the map bounds), so serving a map never needs the geometry in memory.
    When ``build`` returns ``{relative path: bytes}`` the entry is a folder of files."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", prefix):
        raise ValueError(f"unsafe static file prefix {prefix!r}")
    folder = static_dir()
    digest = key_digest([prefix, *key])
    known = _known(folder, digest)
    if known:
        return known
    with _key_locked(folder, digest):
        known = _known(folder, digest)  # another session may have built it meanwhile
        if known:
            return known
        data, meta = build()  # the slow part: only this key waits for it
        if isinstance(data, bytes | bytearray):
            suffix = ".png" if bytes(data[:8]) == PNG_SIGNATURE else ".json"
            name = f"{prefix}-{content_hash(bytes(data))}{suffix}"
        else:
            name = f"{prefix}-{tree_hash(data)}"
        with _locked(folder):
            return _store(folder, prefix, digest, name, data, meta)


def _store(folder: Path, prefix: str, digest: str, name: str, data: Content,
           meta: dict) -> tuple[str, dict]:
    """Write a built file into the served folder, index it and evict (caller holds the
    folder lock, so no other thread evicts the file between its rename and its index)."""
    path = folder / name
    if not is_valid(path):
        if isinstance(data, bytes | bytearray):
            _write_atomic(path, bytes(data), meta_dir(folder))
        else:
            _write_tree(path, data, meta_dir(folder))
        _verified.pop(str(path), None)
    now = time.time()
    _last_used[name] = now
    index = _read_index(folder)
    index[digest] = {"file": name, "meta": meta, "used": now, "bytes": _size(path)}
    # forget and remove superseded files of the same prefix
    stale = {k for k, v in index.items()
             if v["file"] != name and _prefix_of(v["file"]) == prefix}
    for k in stale:
        old = index.pop(k)["file"]
        if old != name:
            _remove(folder / old)
    current = {v["file"] for v in index.values()}
    for other in folder.glob(f"{prefix}-*"):
        if other.name != name and _prefix_of(other.name) == prefix \
                and other.name not in current and _SERVED.match(other.name):
            _remove(other)
    _evict(folder, index, keep=name)
    _write_atomic(meta_dir(folder) / INDEX,
                  json.dumps(index, indent=0, sort_keys=True).encode())
    return name, dict(meta)


def _used(entry: dict, path: Path) -> float:
    name = str(entry.get("file"))
    stamps = [_last_used.get(name, 0.0), float(entry.get("used") or 0.0)]
    with contextlib.suppress(OSError):
        stamps.append(path.stat().st_mtime)
    return max(stamps)


def _evict(folder: Path, index: dict[str, dict], keep: str) -> list[str]:
    """Bound the served folder (caller holds the lock): remove files nobody indexes and
    dotfiles left by older versions, then the least recently used files until the folder is
    within :func:`max_bytes` and :func:`max_files`. ``keep`` (just built) always stays."""
    removed: list[str] = []
    indexed = {str(v.get("file")) for v in index.values()}
    for path in folder.iterdir():
        if path.name == keep:
            continue
        if path.name.startswith(".") or (path.name not in indexed and _SERVED.match(path.name)):
            _remove(path)
            removed.append(path.name)
    by_file: dict[str, list[str]] = {}
    for digest, entry in index.items():
        by_file.setdefault(str(entry.get("file")), []).append(digest)
    sizes: dict[str, int] = {}
    for name in list(by_file):
        try:
            if not (folder / name).exists():
                raise FileNotFoundError(name)
            # recorded when written (walking every tile folder on every store cost more
            # than most builds); measured only for entries written before sizes were kept
            recorded = [index[d].get("bytes") for d in by_file[name]]
            known = next((b for b in recorded if isinstance(b, int)), None)
            sizes[name] = known if known is not None else _size(folder / name)
        except OSError:  # gone: forget it
            for digest in by_file.pop(name):
                index.pop(digest, None)
    total = sum(sizes.values())
    order = sorted((n for n in by_file if n != keep),
                   key=lambda n: max(_used(index[d], folder / n) for d in by_file[n]))
    for name in order:
        if total <= max_bytes() and len(by_file) <= max_files():
            break
        _remove(folder / name)
        removed.append(name)
        total -= sizes.get(name, 0)
        for digest in by_file.pop(name):
            index.pop(digest, None)
        _verified.pop(str(folder / name), None)
        _last_used.pop(name, None)
    return removed


def _prefix_of(name: str) -> str:
    return re.sub(r"-[0-9a-f]{16}" + _SUFFIX + "$", "", name)


def warm(combinations: Sequence[tuple[str, str]] | None = None) -> list[str]:
    """Pre-generate the static files of the usual maps (geography id, extent id).

    Call it from the app at start-up in a daemon thread (``threading.Thread(target=warm,
    daemon=True).start()``) so the first visitor does not wait for the files and data, or run
    ``python -m explorer.static_geo`` at deploy time.
    """
    from explorer import area_metrics as am
    from explorer import maps
    from explorer.places import DEFAULT_REGION, registry

    reg = registry()
    combos = combinations or [("lsoa19", DEFAULT_REGION), ("lsoa19", "england"),
                              ("lsoa25", DEFAULT_REGION), ("lsoa25", "england")]
    names = []
    for geo_id, extent_id in combos:
        extent = reg.get(extent_id)
        if maps.use_tiles(geo_id, extent):
            names.append(maps.areas_tiles_meta(geo_id, extent)[0])
            if maps.pictures_enabled():  # the map page's first view: IMD, national deciles
                prop = maps.accessor_prop(am.get("imd_score"), am.GEOGRAPHIES[geo_id],
                                          extent, maps.DEFAULT_SCHEME)
                names.append(maps.picture_file(geo_id, extent, "iod", prop).url
                             .rsplit("/", 1)[1])
        else:
            names.append(maps.areas_file(geo_id, extent))
        if not maps.england_like(extent):
            # in a server process the first visit is warm too; all England's frames
            # (~16 MB each, built in ~0.3 s) wait for the first England map instead of
            # sitting in every idle process
            maps.view_frame(geo_id, extent)
        for extra in (maps.district_outline_file, maps.extent_outline_file):
            n = extra(geo_id, extent)
            if n:
                names.append(n)
    return names


def main() -> int:
    for name in warm():
        size = _size(static_dir() / name)
        print(f"{name:<60} {size / 1e6:7.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
