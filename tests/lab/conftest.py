"""One JupyterLab server (with the Workbench server and lab extensions) for tests/lab.

It serves a copy of ``data/`` and keeps every Workbench folder private: config, data,
secret store and run store. ``wb`` runs with the same environment, so a test can check
that what the API did is what the command line sees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from browsers import Lab, jupyter_lab

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Workbench:
    """The running server, the environment its Workbench calls see, and the API."""

    lab: Lab
    env: dict[str, str]

    def request(
        self, method: str, path: str, *, token: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Call ``/workbench/api/<path>``, with the server's token unless ``token`` is False."""
        headers = {"Authorization": f"token {self.lab.token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        url = f"{self.lab.url}/workbench/api/{path}"
        return httpx.request(method, url, headers=headers, timeout=120, **kwargs)

    def wb(self, *args: str) -> Any:
        """``wb ARGS --json`` in the server's folder and environment, decoded."""
        done = subprocess.run(
            [sys.executable, "-m", "workbench.cli", *args, "--json"],
            env=self.env,
            cwd=self.lab.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    def dead_letter(self, event_id: str) -> str:
        """Put event ``event_id`` of ``hooks.received`` in the inbox, and have the handler
        bound to it fail on it with no retry left: a dead letter. Its inbox id."""
        from workbench.jobs.run.store import RunStore
        from workbench.sdk import Event
        from workbench.triggers.bindings import Binding, BindingStore
        from workbench.triggers.dispatch import Dispatcher, deliveries
        from workbench.triggers.events import recent
        from workbench.triggers.inbox import Inbox

        def refuse(event: Event) -> None:
            raise RuntimeError(f"refused {event.id}")

        store = RunStore(self.env["WORKBENCH_RUN_STORE"])
        try:
            bindings = BindingStore(store)
            if bindings.find("hooks-handler") is None:
                bindings.add(
                    Binding("hooks-handler", "hooks", "received", kind="handler", retries=0)
                )
            Inbox(store).put([Event(source="hooks.received", id=event_id, data={"n": 1})])
            Dispatcher(store, handlers={"hooks-handler": refuse}).tick()
            found = recent(store, source="hooks.received", limit=1000)
            inbox_id = next(str(r["inbox_id"]) for r in found if r["event_id"] == event_id)
            assert deliveries(store, event=inbox_id, state="dead")
            return inbox_id
        finally:
            store.close()


@pytest.fixture(scope="session")
def workbench(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Workbench]:
    """JupyterLab on loopback serving a copy of tests/lab/data, with private Workbench folders."""
    root = tmp_path_factory.mktemp("lab-root")
    for notebook in DATA.glob("*.ipynb"):
        shutil.copy(notebook, root / notebook.name)
    state = tmp_path_factory.mktemp("lab-state")
    env = dict(os.environ)
    env.pop("WORKBENCH_SECRET_KEY", None)
    env.update(
        WORKBENCH_CONFIG_DIR=str(state / "workbench-config"),
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_SECRET_BACKEND="file",
        WORKBENCH_RUN_STORE=str(state / "runs.db"),
    )
    with jupyter_lab(root, state, env) as lab:
        yield Workbench(lab, env)
