"""`wb catalog` answers from its cache, and never from a stale or unreadable one."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import catalog_cache

WB = Path(sys.executable).parent / "wb"
PAST = 1_600_000_000  # a modification time well before any build


def run_wb(*args: str, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    return subprocess.run(
        [str(WB), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def catalog(extra_path: Path | None = None) -> dict[str, dict[str, object]]:
    done = run_wb("catalog", "--json", extra_path=extra_path)
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


def aged(*paths: Path, when: int = PAST) -> None:
    for path in paths:
        os.utime(path, (when, when))


def cache_file() -> Path:
    return Path(os.environ["WORKBENCH_DATA_DIR"]) / catalog_cache.FILE_NAME


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A folder holding a third-party distribution with one connector that counts its imports."""
    folder = tmp_path / "site"
    dist = folder / "acme_cached-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-cached\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[workbench.connectors]\nacme = acme_cached:Acme\n")
    write_plugin(folder, actions=1)
    aged(dist / "METADATA", dist / "entry_points.txt", dist, folder)
    return folder


def write_plugin(folder: Path, *, actions: int, when: int = PAST) -> None:
    methods = "".join(
        f"    @action\n    def act{i}(self) -> int:\n        '''Act {i}.'''\n        return {i}\n"
        for i in range(actions)
    )
    module = folder / "acme_cached.py"
    module.write_text(
        "import pathlib\n"
        "from workbench.sdk import Connector, action\n"
        "with open(pathlib.Path(__file__).with_name('imports.log'), 'a') as log:\n"
        "    log.write('x')\n"
        "class Acme(Connector):\n"
        "    '''Acme, cached.'''\n"
        "    name = 'acme'\n"
        "    library = True\n" + methods
    )
    aged(module, when=when)


def imports(folder: Path) -> int:
    log = folder / "imports.log"
    return len(log.read_text()) if log.exists() else 0


def warm(folder: Path) -> None:
    """Run the catalog until the cache holds it (inputs edited just now delay the write)."""
    for _ in range(3):
        catalog(folder)
        if cache_file().exists():
            return
        time.sleep(catalog_cache.SETTLE_NS / 1e9 + 0.2)
    pytest.fail("the catalog cache was never written")


def test_a_current_cache_is_used_and_an_edited_plugin_is_seen(plugin: Path) -> None:
    warm(plugin)
    loaded = imports(plugin)
    rows = catalog(plugin)
    assert rows["acme"]["actions"] == 1
    assert imports(plugin) == loaded  # answered from the cache: the plugin was not imported

    write_plugin(plugin, actions=2, when=PAST + 60)  # same kind of edit, another mtime
    assert catalog(plugin)["acme"]["actions"] == 2
    assert imports(plugin) == loaded + 1


def test_a_new_distribution_is_seen(plugin: Path) -> None:
    warm(plugin)
    dist = plugin / "beta_cached-2.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: beta-cached\nVersion: 2.0\n")
    (dist / "entry_points.txt").write_text("[workbench.connectors]\nbeta = acme_cached:Acme\n")
    aged(dist / "METADATA", dist / "entry_points.txt")
    assert {"acme", "beta"} <= set(catalog(plugin))


def test_an_imported_spec_and_its_edits_are_shown_at_once(tmp_path: Path) -> None:
    catalog()
    spec = tmp_path / "pets.json"
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Pet Store", "version": "1"},
        "paths": {"/pets": {"get": {"operationId": "listPets"}}},
    }
    spec.write_text(json.dumps(document))
    assert run_wb("connector", "import", str(spec), "--name", "pets").returncode == 0
    assert catalog()["pets"]["title"] == "Pet Store"

    stored = Path(os.environ["WORKBENCH_CONFIG_DIR"]) / "connectors" / "pets.json"
    aged(stored)
    catalog()
    document["info"]["title"] = "Pet Shop"  # type: ignore[index]
    stored.write_text(json.dumps(document))
    aged(stored, when=PAST + 60)
    assert catalog()["pets"]["title"] == "Pet Shop"

    assert run_wb("connector", "remove", "pets").returncode == 0
    assert "pets" not in catalog()


def test_a_corrupt_cache_is_ignored_and_rebuilt(plugin: Path) -> None:
    warm(plugin)
    for garbage in (b"{not json", b"[]", b'{"format": 1, "entries": {"x": 1}}', b"\xff\xfe"):
        cache_file().write_bytes(garbage)
        assert catalog(plugin)["acme"]["actions"] == 1
        assert "sqlite" in catalog(plugin)


def test_a_cache_whose_rows_do_not_parse_is_rebuilt(plugin: Path) -> None:
    warm(plugin)
    stored = json.loads(cache_file().read_bytes())
    for entry in stored["entries"].values():
        entry["payload"] = {"rows": [{"fields": {"name": "ghost"}, "names": []}], "problems": []}
    cache_file().write_text(json.dumps(stored))
    rows = catalog(plugin)
    assert "ghost" not in rows and "acme" in rows


def test_the_file_is_private_and_written_whole(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    aged(code)
    path = tmp_path / "cache" / "catalog.json"
    assert catalog_cache.write(path, {"rows": []}, [code], started=time.time_ns())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["catalog.json"]
    assert catalog_cache.read(path, [code]) == {"rows": []}


def test_an_input_edited_during_the_build_keeps_the_cache_unwritten(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "plugin.py").write_text("x = 1")
    path = tmp_path / "catalog.json"
    started = time.time_ns() - 10**9
    assert not catalog_cache.write(path, {"rows": []}, [code], started=started)
    assert not path.exists()


def test_other_inputs_miss(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    aged(one, two)
    path = tmp_path / "catalog.json"
    assert catalog_cache.write(path, {"rows": [1]}, [one], started=time.time_ns())
    assert catalog_cache.read(path, [two]) is None
    assert catalog_cache.read(path, [one]) == {"rows": [1]}
