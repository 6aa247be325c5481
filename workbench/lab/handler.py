"""The base of every Workbench API handler: Jupyter's auth, JSON in, JSON out.

A handler subclasses :class:`JsonHandler`, decorates its methods with
``@tornado.web.authenticated`` and calls :meth:`JsonHandler.answer` with a function of the
library; what it returns is written as JSON, what it raises becomes a
:class:`~workbench.lab.problems.Problem` answer. Library calls run in a worker thread,
so a slow check or a run never blocks the server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler

from workbench.lab.problems import Problem, problem_of
from workbench.redaction import get_logger

log = get_logger(__name__)


class JsonHandler(APIHandler):
    """An API handler whose answers, failures included, are JSON with no traceback."""

    def body(self) -> dict[str, Any]:
        """The request's JSON object, or a 400 naming what is wrong with it."""
        text = self.request.body.decode("utf-8", errors="replace").strip()
        if not text:
            raise Problem(400, "the request needs a JSON object as its body")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Problem(400, f"the body is not valid JSON: {exc.msg} at {exc.pos}") from None
        if not isinstance(data, dict):
            raise Problem(400, f"the body must be a JSON object, got {type(data).__name__}")
        return data

    async def answer(self, work: Callable[[], Any], status: int = 200) -> None:
        """Run ``work`` in a thread and write its value as JSON (or the problem it raised)."""
        try:
            value = await asyncio.to_thread(work)
        except Exception as exc:
            problem = problem_of(exc)
            if problem.status >= 500:
                log.error("%s %s failed: %s", self.request.method, self.request.path, exc)
            self.fail(problem)
            return
        self.set_status(status)
        self.finish(json.dumps(value, default=str))

    def fail(self, problem: Problem) -> None:
        """Answer with ``problem``'s status and JSON body."""
        self.set_status(problem.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(problem.body()))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Tornado's own errors (403, 404, 405, ...) as ``{"error", "message"}`` too."""
        problem = Problem(status_code, self._reason or "the request failed")
        error = kwargs["exc_info"][1] if "exc_info" in kwargs else None
        if isinstance(error, tornado.web.HTTPError):
            problem = Problem(status_code, str(error.log_message or problem.message))
        elif isinstance(error, Exception):
            problem = problem_of(error)
            self.set_status(problem.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(problem.body()))
