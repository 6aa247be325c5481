"""The wheel a user installs: built from this checkout with pip, installed with a plain
``pip install`` into a fresh virtual environment, and looked at from there.

The fresh environment takes the libraries Workbench needs from this project's ``.venv``
(a path entry, not its site folder: the checkout's own editable install stays out of it),
so the check needs no download beyond the wheel's build requirements.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding the wheel built from this checkout; its prefix."""
    where = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        where / "dist",
        ROOT,
        cwd=where,
    )
    (wheel,) = (where / "dist").glob("workbench-*.whl")
    prefix = where / "venv"
    venv.create(prefix, with_pip=True)
    packages = next((prefix / "lib").glob("python3*/site-packages"))
    (packages / "workbench-dependencies.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if Path(p).is_dir()) + "\n"
    )
    run(
        prefix / "bin/python",
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=where,
    )
    return prefix


def site_packages(prefix: Path) -> Path:
    return next((prefix / "lib").glob("python3*/site-packages"))


def test_the_wheel_has_no_top_level_connectors_package(fresh: Path) -> None:
    top = {p.name for p in site_packages(fresh).iterdir()}
    assert "workbench" in top and "connectors" not in top
    assert (site_packages(fresh) / "workbench/connectors/slack/slack.com.json").is_file()
    missing = run(
        fresh / "bin/python",
        "-c",
        "import importlib.util as u; print(u.find_spec('connectors'))",
        cwd=fresh,
    )
    assert missing.strip() == "None"


def test_wb_catalog_lists_every_built_in_connector(fresh: Path, tmp_path: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    built_in = set(project["project"]["entry-points"]["workbench.connectors"])
    listed = json.loads(run(fresh / "bin/wb", "catalog", "--json", cwd=tmp_path).split("\n[", 1)[0])
    assert built_in <= {row["name"] for row in listed}
    where = run(
        fresh / "bin/python",
        "-c",
        "import workbench.connectors.sqlite as m; print(m.__file__)",
        cwd=tmp_path,
    )
    assert where.startswith(str(site_packages(fresh)))


def test_the_lab_extension_is_enabled_after_a_plain_install(fresh: Path, tmp_path: Path) -> None:
    """What ``jupyter labextension list`` and ``jupyter server extension list`` print."""
    listed = run(fresh / "bin/python", "-m", "jupyterlab.labextensions", "list", cwd=tmp_path)
    line = next(line for line in listed.splitlines() if "workbench-lab" in line)
    assert "enabled" in line and "OK" in line, listed
    servers = run(
        fresh / "bin/python", "-m", "jupyter_server.extension.serverextension", "list", cwd=tmp_path
    )
    lines = [line for line in servers.splitlines() if "workbench.lab" in line]
    assert "enabled" in lines[0] and any("OK" in line for line in lines[1:]), servers
