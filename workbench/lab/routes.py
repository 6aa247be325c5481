"""The Workbench API under ``/workbench/api/``: one thin handler per resource.

Every handler needs Jupyter's own auth (``@tornado.web.authenticated``) and calls a
function of this package, which calls the library the ``wb`` command uses.

==========================================  ======  ==========================================
path                                        method  what
==========================================  ======  ==========================================
connections                                 GET     every connection (never a secret value)
connections                                 POST    add one (secret fields to the secret store)
connections/NAME                            GET     one connection
connections/NAME                            PUT     edit it (empty secret fields are kept)
connections/NAME/check                      POST    run its check(): ok and what answered
connectors/NAME/fields                      GET     a connector's settings schema
catalog?q=TEXT                              GET     the installed connectors
actions/NAME                                GET     the actions of a connection or connector
actions/NAME/ACTION                         GET     one action and its input JSON schema
code                                        POST    the cell calling an action, by name
notebook/parameters?path=PATH               GET     the parameters a notebook declares
schedules                                   GET     the schedules (what wb schedule list shows)
schedules                                   POST    add one from a notebook, cron, parameters
schedules/NAME/pause, schedules/NAME/resume POST    pause or resume one
bindings                                    GET     the trigger bindings
bindings                                    POST    bind a notebook to a trigger
runs?job=NAME&limit=N                       GET     the latest runs
runs                                        POST    run a notebook (or a schedule) now
runs/ID/notebook                            GET     a run's output notebook
events?dead=1                               GET     the latest events (only dead letters)
events/ID/replay                            POST    hand an event to its bindings again
==========================================  ======  ==========================================

Example:
    >>> [pattern for pattern, _ in handlers("/")][:2]
    ['/workbench/api/connections', '/workbench/api/connections/([^/]+)']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join

from workbench.lab import bindings, catalog, code, connections, events, runs, schedules
from workbench.lab.handler import JsonHandler
from workbench.lab.notebooks import notebook_path, parameters_of
from workbench.lab.problems import Problem
from workbench.registry import get_connector

PREFIX = "workbench/api"
_NAME = "([^/]+)"


class _Handler(JsonHandler):
    @property
    def root(self) -> Path:
        """The folder JupyterLab serves: notebook paths are relative to it."""
        return Path(self.settings.get("server_root_dir") or Path.cwd()).expanduser()

    def limit(self, default: int = 20) -> int:
        text = self.get_argument("limit", str(default))
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise Problem(400, f"limit: expected a whole number from 1 to 1000, got {text!r}")
        return int(text)


class Connections(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(connections.connection_rows)

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        await self.answer(lambda: connections.save_connection(body, replace=False), 201)


class Connection(_Handler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: connections.connection_row(name))

    @tornado.web.authenticated
    async def put(self, name: str) -> None:
        body = {**self.body(), "name": name}
        await self.answer(lambda: connections.save_connection(body, replace=True))


class Check(_Handler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        await self.answer(lambda: connections.check_status(name))


class ConnectorFields(_Handler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: catalog.input_fields(get_connector(name)))


class Catalog(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.get_argument("q", "") or None
        await self.answer(lambda: catalog.catalog_rows(query))


class Actions(_Handler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: catalog.action_rows(name))


class Action(_Handler):
    @tornado.web.authenticated
    async def get(self, name: str, action: str) -> None:
        await self.answer(lambda: catalog.action_detail(name, action))


class Code(_Handler):
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        values = body.get("inputs") or {}
        if not isinstance(values, dict):
            raise Problem(400, "inputs: expected a JSON object")
        connection, action = str(body.get("connection", "")), str(body.get("action", ""))
        await self.answer(lambda: {"code": code.cell_code(connection, action, values)})


class NotebookParameters(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        relative = self.get_argument("path", "")
        path = notebook_path(self.root, relative)
        await self.answer(lambda: {"path": relative, "parameters": parameters_of(path, relative)})


class Schedules(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(schedules.schedule_rows)

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        await self.answer(lambda: schedules.add_schedule(self.root, body), 201)


class ScheduleState(_Handler):
    @tornado.web.authenticated
    async def post(self, name: str, verb: str) -> None:
        change = schedules.pause_schedule if verb == "pause" else schedules.resume_schedule
        await self.answer(lambda: change(name))


class Bindings(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(bindings.binding_rows)

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        await self.answer(lambda: bindings.add_binding(self.root, body), 201)


class Runs(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        job, limit = self.get_argument("job", "") or None, self.limit()
        await self.answer(lambda: runs.run_rows(root=self.root, job=job, limit=limit))

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.body()
        await self.answer(lambda: runs.run_now(self.root, body), 201)


class RunNotebook(_Handler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.answer(lambda: json.loads(runs.output_file(run_id).read_text(encoding="utf-8")))


class Events(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        dead, limit = self.get_argument("dead", "") in ("1", "true"), self.limit(50)
        await self.answer(lambda: events.event_rows(dead=dead, limit=limit))


class Replay(_Handler):
    @tornado.web.authenticated
    async def post(self, inbox_id: str) -> None:
        await self.answer(lambda: events.replay_event(inbox_id))


ROUTES: list[tuple[str, type[JsonHandler]]] = [
    ("connections", Connections),
    (f"connections/{_NAME}", Connection),
    (f"connections/{_NAME}/check", Check),
    (f"connectors/{_NAME}/fields", ConnectorFields),
    ("catalog", Catalog),
    (f"actions/{_NAME}", Actions),
    (f"actions/{_NAME}/{_NAME}", Action),
    ("code", Code),
    ("notebook/parameters", NotebookParameters),
    ("schedules", Schedules),
    (f"schedules/{_NAME}/(pause|resume)", ScheduleState),
    ("bindings", Bindings),
    ("runs", Runs),
    (f"runs/{_NAME}/notebook", RunNotebook),
    ("events", Events),
    (f"events/{_NAME}/replay", Replay),
]


def handlers(base_url: str) -> list[tuple[str, Any]]:
    """The (pattern, handler) pairs of the API, under the server's ``base_url``."""
    return [(url_path_join(base_url, PREFIX, path), handler) for path, handler in ROUTES]
