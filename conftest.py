"""Doctests in workbench/ and connectors/ run in a project folder of their own, with their
own user config and secret store, so an example never writes into the real ones; a connector
an example registers is forgotten after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.connector_catalog import catalog_isolated


@pytest.fixture(autouse=True)
def _doctest_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    home = tmp_path_factory.mktemp("doctest")
    folder = home / "project"
    folder.mkdir()
    patch = request.getfixturevalue("monkeypatch")
    patch.setenv("WORKBENCH_CONFIG_DIR", str(home / "config"))
    patch.setenv("WORKBENCH_SECRET_BACKEND", "file")
    patch.delenv("WORKBENCH_SECRET_KEY", raising=False)
    patch.chdir(folder)
    with catalog_isolated():
        yield
