"""``wb serve``: a notebook as an HTTP endpoint (:mod:`workbench.jobs.serve.http_server`).

Example (shell)::

    $ wb secrets set orders-api/token < token.txt
    $ wb serve orders_api.ipynb --route /orders --token-secret orders-api/token --pool 4
    $ WORKBENCH_SERVE_TOKEN=... wb serve orders_api.ipynb --host 0.0.0.0 --port 8080
    $ wb serve orders_api.ipynb --no-auth          # loopback hosts only

Example (Python):
    >>> from click.testing import CliRunner
    >>> from workbench.cli import cli
    >>> result = CliRunner().invoke(cli, ["serve", "x.ipynb", "--host", "0.0.0.0", "--no-auth"])
    >>> result.exit_code, "only allowed on a loopback host" in result.output
    (3, True)
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from workbench.errors import ConfigError, SecretError

TOKEN_VARIABLE = "WORKBENCH_SERVE_TOKEN"  # noqa: S105 - the variable's name, not a token


@click.command()
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any."
)
@click.option("--route", help="The endpoint's path (default: / and the notebook's name).")
@click.option(
    "--pool",
    "pool_size",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Kernels serving requests at once (each ran the notebook's setup cells).",
)
@click.option(
    "--isolate",
    is_flag=True,
    help="Run each request on a fresh kernel (the whole notebook), not a warm session.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Requests a warm session serves before it is replaced.",
)
@click.option(
    "--token-secret",
    metavar="NAME",
    help=f"The stored secret holding the bearer token (default: ${TOKEN_VARIABLE}).",
)
@click.option("--no-auth", is_flag=True, help="Require no token (loopback hosts only).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds a request's run may take before its kernel is killed.",
)
@click.option("--no-preload", is_flag=True, help="Do not import the notebook's modules ahead.")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def serve(
    notebook: Path,
    host: str,
    port: int,
    route: str | None,
    pool_size: int,
    isolate: bool,
    max_requests: int,
    token_secret: str | None,
    no_auth: bool,
    timeout: float,
    no_preload: bool,
    quiet: bool,
) -> None:
    """Serve NOTEBOOK as an HTTP endpoint: each request runs it with the query string or JSON
    body as parameters, and answers with what it passes to wb.respond(...).

    A bearer token is required, from --token-secret or $WORKBENCH_SERVE_TOKEN, unless
    --no-auth is given on a loopback host. GET /openapi.json describes the endpoint.
    """
    from workbench.jobs.serve.http_server import check_host
    from workbench.jobs.serve.http_server import serve as serve_notebook
    from workbench.serving import settle_heap

    check_host(host, auth=not no_auth)
    token = None if no_auth else _token(token_secret)
    if not quiet:
        _log_requests()

    def started(base: str, route: str) -> None:
        kind = "fresh kernel per request, " if isolate else "warm session"
        kernels = f"{pool_size} {kind}" + ("s" if pool_size != 1 and not isolate else "")
        if isolate:
            kernels += f"{pool_size} kept ready"
        click.echo(f"serving {notebook} at {base}{route} ({kernels}; Ctrl-C stops)")
        click.echo(f"OpenAPI description: {base}/openapi.json")
        settle_heap()

    try:
        serve_notebook(
            notebook,
            host=host,
            port=port,
            token=token,
            route=route,
            pool_size=pool_size,
            timeout=timeout,
            preload=not no_preload,
            isolate=isolate,
            max_requests=max_requests,
            started=started,
        )
    except KeyboardInterrupt:  # Ctrl-C, once the server has shut down
        click.echo("stopped")


def _token(secret_name: str | None) -> str:
    from workbench.config.secrets import check_name, default_secret_store
    from workbench.jobs.serve.http_server import check_token

    if secret_name:
        store = default_secret_store()
        value = store.get(check_name(secret_name))
        if value is None:
            raise SecretError(
                f"--token-secret: no secret named {secret_name!r} in the {store.backend} "
                f"(store one with: wb secrets set {secret_name})"
            )
        return check_token(value, source=f"secret {secret_name!r}")
    from_env = os.environ.get(TOKEN_VARIABLE)
    if from_env:
        return check_token(from_env, source=TOKEN_VARIABLE)
    raise ConfigError(
        f"wb serve needs a bearer token: --token-secret NAME (see wb secrets set) or "
        f"${TOKEN_VARIABLE}; or --no-auth on a loopback host"
    )


def _log_requests() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("workbench.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
