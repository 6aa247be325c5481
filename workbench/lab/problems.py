"""What an API answer says when a request cannot be served: a status and one line.

Every answer of the Workbench API that is not a success is ``{"error", "message"}``:
``error`` a short kind (``bad_request``, ``not_found``, ...), ``message`` what is wrong,
with registered secrets masked. A traceback never reaches an answer.

Example:
    >>> from workbench.errors import UnknownConnectionError
    >>> problem = problem_of(UnknownConnectionError("shpo", ["shop"]))
    >>> problem.status, problem.body()["error"]
    (404, 'not_found')
"""

from __future__ import annotations

from typing import Any

from workbench.errors import (
    ConnectionFailedError,
    UnknownConnectionError,
    UnknownConnectorError,
    WorkbenchError,
)
from workbench.redaction import redact

KINDS = {400: "bad_request", 404: "not_found", 409: "conflict", 502: "unreachable"}


class Problem(Exception):
    """A request the API refuses: the HTTP ``status`` and the ``message`` to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON answer: the kind of problem and the message, secrets masked.

        Example:
            >>> Problem(400, "name: enter a name").body()
            {'error': 'bad_request', 'message': 'name: enter a name'}
        """
        return {"error": KINDS.get(self.status, "error"), "message": redact(self.message)}


def problem_of(error: Exception) -> Problem:
    """The answer for ``error``: unknown names 404, other Workbench errors 400, else 500.

    Example:
        >>> problem_of(ValueError("boom")).body()
        {'error': 'error', 'message': 'the server failed: ValueError (see its log)'}
    """
    if isinstance(error, Problem):
        return error
    if isinstance(error, UnknownConnectionError | UnknownConnectorError):
        return Problem(404, str(error))
    if isinstance(error, ConnectionFailedError):
        return Problem(502, str(error))
    if isinstance(error, WorkbenchError):
        return Problem(400, str(error))
    return Problem(500, f"the server failed: {type(error).__name__} (see its log)")
