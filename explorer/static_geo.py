"""Content-hashed static GeoJSON files under ``<repo>/static/`` (served at ``/app/static/``).

Why: a map's geometry sent inside the deck spec is parsed by Streamlit's slow JSON5 parser
and re-sent on every new session; served as a static file it is fetched once, gzipped, parsed
natively by deck.gl and revalidated with a 304 on the next visit
(``../shared/notes/map-performance.md``).

How a file is found without rebuilding it: the caller passes an *input key* (the snapshot
tables' hashes, the builder's format version, the extent…). An index maps that key to the file
name ``<prefix>-<sha256 of the content>[:16].json``. A file is used only if it exists and its
content still hashes to its name (checked once per process); otherwise it is rebuilt. Builds
hold an exclusive lock (a thread lock plus ``flock`` on ``static/.lock``), so concurrent
sessions and server processes never race or serve half-written files (writes go to a temporary
file that is renamed into place). When a prefix gets a new file, older files of that prefix
are removed. Run ``python -m explorer.static_geo`` to pre-generate the usual maps at deploy
time (read-only or multi-replica deployments).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from loaders.paths import REPO_ROOT

#: Streamlit serves ``<main script folder>/static`` at ``/app/static`` when
#: ``server.enableStaticServing`` is on (``.streamlit/config.toml``).
URL_PREFIX = "app/static"
INDEX = ".index.json"
_HASH_LEN = 16
_thread_lock = threading.RLock()
_verified: dict[str, float] = {}


def static_dir() -> Path:
    """The served folder; ``HEE_STATIC_DIR`` lets tests use a temporary one."""
    return Path(os.environ.get("HEE_STATIC_DIR", REPO_ROOT / "static"))


def url(name: str, base_url_path: str = "") -> str:
    """Root-relative URL of a static file, honouring ``server.baseUrlPath``."""
    base = base_url_path.strip("/")
    return "/" + "/".join(p for p in (base, URL_PREFIX, name) if p)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:_HASH_LEN]


def key_digest(key: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(map(str, key)).encode()).hexdigest()


_depth = threading.local()


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Exclusive across threads (RLock) and processes (flock on a lock file).

    Re-entrant: building one file may need another (a map file needs the list of codes
    with a shape). Only the outermost level takes the ``flock``, because a second ``flock``
    from the same process on a new file descriptor would wait for itself forever.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with _thread_lock:
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        try:
            if depth:
                yield
                return
            with open(folder / ".lock", "a+") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            _depth.n = depth


_index_cache: dict[str, tuple[float, dict]] = {}


def _read_index(folder: Path) -> dict[str, dict]:
    """digest -> {"file": name, "meta": {...}} (re-read only when the file changed)."""
    path = folder / INDEX
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


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
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
    """The file exists and its content still hashes to the hash in its name."""
    m = re.search(r"-([0-9a-f]{16})\.json$", path.name)
    if not m or not path.is_file():
        return False
    try:
        stat = path.stat()
        if _verified.get(str(path)) == stat.st_mtime:
            return True
        ok = content_hash(path.read_bytes()) == m.group(1)
    except OSError:
        return False
    if ok:
        _verified[str(path)] = stat.st_mtime
    return ok


def _known(folder: Path, digest: str) -> tuple[str, dict] | None:
    entry = _read_index(folder).get(digest)
    if entry and is_valid(folder / str(entry.get("file"))):
        return str(entry["file"]), dict(entry.get("meta") or {})
    return None


def ensure(prefix: str, key: Sequence[str], build: Callable[[], bytes]) -> str:
    """The file name for ``prefix`` and input ``key``, building the file if it is missing,
    stale or corrupt. ``build`` must return the complete file content (valid JSON, no NaN).
    """
    return ensure_meta(prefix, key, lambda: (build(), {}))[0]


def ensure_meta(prefix: str, key: Sequence[str],
                build: Callable[[], tuple[bytes, dict]]) -> tuple[str, dict]:
    """Like :func:`ensure`, with a small JSON-able ``meta`` dict kept in the index beside the
    file name (e.g. the map bounds), so serving a map never needs the geometry in memory."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", prefix):
        raise ValueError(f"unsafe static file prefix {prefix!r}")
    folder = static_dir()
    digest = key_digest([prefix, *key])
    known = _known(folder, digest)
    if known:
        return known
    with _locked(folder):
        known = _known(folder, digest)  # another session may have built it meanwhile
        if known:
            return known
        data, meta = build()
        name = f"{prefix}-{content_hash(data)}.json"
        path = folder / name
        if not is_valid(path):
            _write_atomic(path, data)
            _verified.pop(str(path), None)
        index = _read_index(folder)
        index[digest] = {"file": name, "meta": meta}
        # forget and remove superseded files of the same prefix
        stale = {k for k, v in index.items()
                 if v["file"] != name and _prefix_of(v["file"]) == prefix}
        for k in stale:
            old = index.pop(k)["file"]
            with contextlib.suppress(OSError):
                (folder / old).unlink()
        current = {v["file"] for v in index.values()}
        for other in folder.glob(f"{prefix}-*.json"):
            if other.name != name and _prefix_of(other.name) == prefix \
                    and other.name not in current:
                with contextlib.suppress(OSError):
                    other.unlink()
        _write_atomic(folder / INDEX, json.dumps(index, indent=0, sort_keys=True).encode())
        return name, dict(meta)


def _prefix_of(name: str) -> str:
    return re.sub(r"-[0-9a-f]{16}\.json$", "", name)


def warm(combinations: Sequence[tuple[str, str]] | None = None) -> list[str]:
    """Pre-generate the static files of the usual maps (geography id, extent id).

    Call it from the app at start-up in a daemon thread (``threading.Thread(target=warm,
    daemon=True).start()``) so the first visitor does not wait for the files and data, or run
    ``python -m explorer.static_geo`` at deploy time.
    """
    from explorer import maps
    from explorer.places import DEFAULT_REGION, registry

    reg = registry()
    combos = combinations or [("lsoa19", DEFAULT_REGION), ("lsoa19", "england"),
                              ("lsoa25", DEFAULT_REGION), ("lsoa25", "england")]
    names = []
    for geo_id, extent_id in combos:
        extent = reg.get(extent_id)
        names.append(maps.areas_file(geo_id, extent))
        maps.view_frame(geo_id, extent)  # in a server process: the first visit is warm too
        for extra in (maps.district_outline_file, maps.extent_outline_file):
            n = extra(geo_id, extent)
            if n:
                names.append(n)
    return names


def main() -> int:
    for name in warm():
        size = (static_dir() / name).stat().st_size
        print(f"{name:<60} {size / 1e6:7.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
