"""The static folder: bounded (size and count, least recently used evicted), content
addressed, and holding nothing but served map files (no dotfiles: index and lock live in an
unserved sibling folder)."""

from __future__ import annotations

import json
import time

import pytest

from explorer import static_geo


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HEE_STATIC_DIR", str(tmp_path / "static"))
    return tmp_path / "static"


def _make(i: int, size: int = 100) -> str:
    body = json.dumps({"i": i, "pad": "x" * size}).encode()
    return static_geo.ensure(f"sel-lsoa19-E0100{i:04d}", ["k", str(i)], lambda: body)


def test_no_dotfiles_in_the_served_folder(folder):
    (folder).mkdir(parents=True)
    (folder / ".index.json").write_text("{}")  # left by an older version
    (folder / ".lock").write_text("")
    _make(1)
    names = [p.name for p in folder.iterdir()]
    assert names and not [n for n in names if n.startswith(".")]
    assert all(static_geo._SERVED.match(n) for n in names)
    meta = static_geo.meta_dir(folder)
    assert (meta / static_geo.INDEX).is_file() and (meta / static_geo.LOCK).exists()
    assert meta.name.startswith(".") and meta.parent == folder.parent  # not under /static


def test_count_cap_evicts_least_recently_used(folder, monkeypatch):
    monkeypatch.setenv("HEE_STATIC_MAX_FILES", "5")
    first = [_make(i) for i in range(5)]
    time.sleep(0.01)
    assert _make(0) == first[0]  # used again: the most recent
    time.sleep(0.01)
    _make(5)
    names = {p.name for p in folder.iterdir()}
    assert len(names) == 5
    assert first[0] in names and first[1] not in names  # 1 was the least recently used
    for i in range(6, 30):
        _make(i)
    names = {p.name for p in folder.iterdir()}
    assert len(names) == 5
    index = json.loads((static_geo.meta_dir(folder) / static_geo.INDEX).read_text())
    assert {v["file"] for v in index.values()} == names
    # an evicted file is rebuilt on its next use
    assert _make(1) == first[1] and (folder / first[1]).is_file()


def test_size_cap_bounds_the_folder(folder, monkeypatch):
    monkeypatch.setenv("HEE_STATIC_MAX_MB", "0.05")  # 50 kB
    for i in range(40):
        _make(i, size=5_000)
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total <= 50_000
    assert len(list(folder.iterdir())) >= 5


def test_the_folder_stays_content_addressed(folder):
    name = _make(3)
    data = (folder / name).read_bytes()
    assert name.endswith(f"-{static_geo.content_hash(data)}.json")


def _tree(i: int, n: int = 3) -> str:
    files = {f"5/{x}/{i}.json": json.dumps({"x": x, "i": i}).encode() for x in range(n)}
    return static_geo.ensure_meta(f"tiles-t{i}", ["k", str(i)], lambda: (files, {"n": n}))[0]


def test_a_tile_folder_is_one_content_addressed_entry(folder):
    name = _tree(1)
    path = folder / name
    assert path.is_dir() and static_geo._SERVED.match(name) and not name.endswith(".json")
    files = {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*.json")}
    assert len(files) == 3 and name.endswith(f"-{static_geo.tree_hash(files)}")
    assert static_geo.ensure_meta("tiles-t1", ["k", "1"], lambda: ({}, {}))[1] == {"n": 3}
    # a corrupt tile is noticed and the folder rebuilt
    (path / "5/0/1.json").write_text("{}")
    static_geo._verified.clear()
    assert not static_geo.is_valid(path)
    assert _tree(1) == name and static_geo.is_valid(path)
    assert json.loads((path / "5/0/1.json").read_text()) == {"x": 0, "i": 1}


def test_tile_folders_are_evicted_whole_and_never_escape(folder, monkeypatch):
    monkeypatch.setenv("HEE_STATIC_MAX_FILES", "3")
    names = [_tree(i) for i in range(6)]
    left = {p.name for p in folder.iterdir()}
    assert len(left) == 3 and left == set(names[-3:])
    assert all((folder / n).is_dir() and len(list((folder / n).rglob("*.json"))) == 3
               for n in left)
    assert not [p for p in static_geo.meta_dir(folder).iterdir() if p.name.startswith(".tmp")]
    with pytest.raises(ValueError):
        static_geo.ensure_meta("tiles-bad", ["k"], lambda: ({"../x.json": b"{}"}, {}))
    assert not (folder.parent / "x.json").exists()


def test_a_slow_build_blocks_only_its_own_key(folder):
    """The room's map timeouts: one extent's build (seconds) made every other new map wait
    behind it. Now a second key is built meanwhile, and a second ask for the slow key waits
    for the one build instead of building again."""
    import threading

    started, release = threading.Event(), threading.Event()
    builds: list[str] = []

    def slow() -> bytes:
        builds.append("slow")
        started.set()
        assert release.wait(10)
        return b'{"slow": 1}'

    names: dict[str, str] = {}
    t1 = threading.Thread(target=lambda: names.setdefault("a", static_geo.ensure(
        "sel-slow", ["a"], slow)))
    t2 = threading.Thread(target=lambda: names.setdefault("a2", static_geo.ensure(
        "sel-slow", ["a"], slow)))
    t1.start()
    assert started.wait(10)
    t2.start()
    other = static_geo.ensure("sel-other", ["b"], lambda: b'{"other": 1}')  # not blocked
    assert (folder / other).is_file() and "a" not in names
    release.set()
    t1.join(10)
    t2.join(10)
    assert names["a"] == names["a2"] and builds == ["slow"]  # built once
    assert static_geo.is_valid(folder / names["a"]) and (folder / other).is_file()


def test_build_locks_are_bounded_and_nested_builds_reenter(folder):
    """Keys come from links (extents, selections): a thousand of them leave at most 256 lock
    files, and a build that needs another file of the same stripe does not wait for itself."""
    for i in range(1000):
        static_geo.ensure("sel-many", [str(i)], lambda i=i: json.dumps({"i": i}).encode())
    assert len(list((static_geo.meta_dir(folder) / "keys").iterdir())) <= 256
    digest = static_geo.key_digest(["sel-outer", "a"])
    stripe = int(digest[:8], 16) % 256
    inner = next(str(i) for i in range(10_000)
                 if int(static_geo.key_digest(["sel-inner", str(i)])[:8], 16) % 256 == stripe)

    def outer() -> bytes:
        name = static_geo.ensure("sel-inner", [inner], lambda: b'{"inner": 1}')
        return json.dumps({"needs": name}).encode()

    assert static_geo.is_valid(folder / static_geo.ensure("sel-outer", ["a"], outer))


def test_sizes_are_recorded_and_tile_folders_not_walked_on_every_visit(folder, monkeypatch):
    """Eviction reads the sizes written into the index (walking every tile folder on every
    store cost more than most builds), and a verified tile folder is trusted for a minute
    (its signature stats every tile) before it is checked again."""
    name = _tree(1)
    index = static_geo._read_index(folder)
    entry = next(v for v in index.values() if v["file"] == name)
    assert entry["bytes"] == static_geo._size(folder / name)
    walks = []
    real = static_geo._tree_signature
    monkeypatch.setattr(static_geo, "_tree_signature", lambda p: walks.append(p) or real(p))
    _make(1)  # a store: eviction sums sizes
    for _ in range(5):
        assert static_geo.is_valid(folder / name)
    assert len(walks) == 1  # verified on its first visit, then trusted
    monkeypatch.setattr(static_geo, "FOLDER_RECHECK_S", 0.0)  # a minute later
    (folder / name / "5/0/1.json").write_text("{}")  # corrupted meanwhile
    assert not static_geo.is_valid(folder / name) and len(walks) == 2
