"""Workbench in JupyterLab: a server extension serving the Workbench API, and the
prebuilt lab extension (the sidebar and the Jobs view) that shows it.

Installing the wheel enables both: the server extension through
``etc/jupyter/jupyter_server_config.d/workbench.json``, the lab extension from
``share/jupyter/labextensions/workbench-lab``.

Example:
    >>> [point["module"] for point in _jupyter_server_extension_points()]
    ['workbench.lab']
    >>> _jupyter_labextension_paths()[0]["dest"]
    'workbench-lab'
"""

from __future__ import annotations

from typing import Any

LABEXTENSION = "workbench-lab"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "workbench.lab"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": LABEXTENSION}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Add the Workbench API's handlers to the running Jupyter server."""
    from workbench.lab.routes import handlers

    web_app = server_app.web_app
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    server_app.log.info("workbench: API at %sworkbench/api/", web_app.settings["base_url"])
