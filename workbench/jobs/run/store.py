"""The run store: every run's record, in SQLite by default or in PostgreSQL.

The store is SQLAlchemy Core. By default it is ``runs.db`` in the data folder
(:func:`workbench.paths.data_dir`), in WAL mode with a busy timeout so that several
processes (``wb run``, workers, a scheduler) can write to it at once. A PostgreSQL URL
comes from the environment variable ``WORKBENCH_RUN_STORE`` or from workbench.toml::

    [jobs]
    store = "postgresql://jobs@db.internal/workbench"   # ${ENV} and { secret = "..." } work

:data:`METADATA` holds the tables; a scheduler adds its own tables (schedules, slot leases)
to it and calls :meth:`RunStore.create_tables` on the same :attr:`RunStore.engine`.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.record import Run, Status
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db")
    >>> run = Run.new("etl.ipynb", job="etl")
    >>> store.add(run)
    >>> run.start(); run.finish(Status.SUCCEEDED); store.save(run)
    >>> [(r.job, r.status.value) for r in store.runs(job="etl")]
    [('etl', 'succeeded')]
    >>> store.close()
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from workbench import paths
from workbench.config.interpolate import resolve
from workbench.errors import ConfigError, ConnectionFailedError, JobError, MissingDependencyError
from workbench.jobs.run.record import Run, Status
from workbench.redaction import redact_value, register_secret
from workbench.sql.urls import scrub

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

ENV_VAR = "WORKBENCH_RUN_STORE"
FILE_NAME = "runs.db"
BUSY_TIMEOUT_MS = 30_000
WAL_AUTOCHECKPOINT = 1000  # pages of log a commit copies into a SQLite database past

METADATA = sa.MetaData()

RUNS = sa.Table(
    "wb_runs",
    METADATA,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("job", sa.String(200), nullable=False),
    sa.Column("notebook", sa.Text, nullable=False),
    sa.Column("parameters", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("duration", sa.Float),
    sa.Column("output", sa.Text),
    sa.Column("exit_code", sa.Integer),
    sa.Column("error_class", sa.String(200)),
    sa.Column("error_message", sa.Text),
    sa.Column("failed_cell", sa.Integer),
    sa.Column("failed_source", sa.Text),
    sa.Column("worker", sa.String(300)),
    sa.Index("wb_runs_job", "job", "id"),
    sa.Index("wb_runs_status", "status"),
)

_TIMES = ("queued_at", "started_at", "ended_at")


class RunStore:
    """Run records in one database: add, save, get, and list the latest ``runs``.

    ``target`` is a SQLAlchemy URL (``postgresql://...``, ``sqlite:///...``) or the path of
    a SQLite file. Tables are created when missing.
    """

    metadata = METADATA
    table = RUNS

    def __init__(self, target: str | Path, *, source: str = "the run store") -> None:
        self.url = _url(target, source)
        self.source = source
        self.engine: Engine = _engine(self.url, source)
        self.create_tables()

    def __repr__(self) -> str:
        return f"RunStore({self.display_url!r})"

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def create_tables(self) -> None:
        """Create every table of :attr:`metadata` that does not exist yet."""
        for attempt in (1, 2):
            try:
                self.metadata.create_all(self.engine, checkfirst=True)
                return
            except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
                if attempt == 2 or not self._tables_exist():
                    raise  # not another process creating the same tables at the same time

    def _tables_exist(self) -> bool:
        try:
            names = set(sa.inspect(self.engine).get_table_names())
        except sa.exc.DBAPIError as exc:
            raise self._unreachable(exc) from None
        return set(self.metadata.tables) <= names

    def _unreachable(self, exc: BaseException) -> ConnectionFailedError:
        reason = scrub(str(getattr(exc, "orig", exc) or exc)).splitlines()[0]
        return ConnectionFailedError(f"{self.source} {self.display_url} failed: {reason}")

    def add(self, run: Run) -> None:
        """Record a new run."""
        self._write(sa.insert(RUNS).values(_row(run)))

    def add_all(self, runs: list[Run]) -> None:
        """Record new runs, all in one transaction."""
        if runs:
            self._write(sa.insert(RUNS), [_row(run) for run in runs])

    def save(self, run: Run) -> None:
        """Write a known run's current state."""
        row = _row(run)
        del row["id"]
        self._write(sa.update(RUNS).where(RUNS.c.id == run.id).values(row))

    def _write(self, statement: sa.Executable, rows: list[dict[str, Any]] | None = None) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(statement, rows)
        except sa.exc.OperationalError as exc:
            raise self._unreachable(exc) from None

    def get(self, run_id: str) -> Run:
        """The run with id ``run_id``."""
        rows = self._read(sa.select(RUNS).where(RUNS.c.id == run_id))
        if not rows:
            raise JobError(f"no run with id {run_id!r} in {self.display_url}")
        return rows[0]

    def find(self, run_id: str) -> Run:
        """The run whose id is ``run_id`` or starts with it (a unique prefix)."""
        rows = self._read(
            sa.select(RUNS).where(RUNS.c.id.startswith(run_id, autoescape=True)).limit(2)
        )
        if len(rows) != 1:
            what = "no run" if not rows else "more than one run"
            raise JobError(f"{what} with id {run_id!r} in {self.display_url}")
        return rows[0]

    def runs(
        self, *, job: str | None = None, status: Status | str | None = None, limit: int = 50
    ) -> list[Run]:
        """The latest ``limit`` runs, newest first, of one ``job`` and ``status`` if given."""
        query = sa.select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)
        if job is not None:
            query = query.where(RUNS.c.job == job)
        if status is not None:
            query = query.where(RUNS.c.status == Status(status).value)
        return self._read(query)

    def _read(self, query: sa.Select[Any]) -> list[Run]:
        try:
            with self.engine.connect() as connection:
                return [_run(row._mapping) for row in connection.execute(query)]
        except sa.exc.OperationalError as exc:
            raise self._unreachable(exc) from None

    def close(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()


def _row(run: Run) -> dict[str, Any]:
    row = run.to_dict()
    for name in _TIMES:
        row[name] = getattr(run, name)
    row["parameters"] = redact_value(run.parameters)
    return row


def _run(row: Any) -> Run:
    values = dict(row)
    for name in _TIMES:
        value: datetime | None = values[name]
        if value is not None:
            values[name] = (
                value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            )
    values["status"] = Status(values["status"])
    return Run(**values)


# ---------------------------------------------------------------- where the store is


_lock = threading.Lock()
_opened: dict[str, RunStore] = {}


def default_store() -> RunStore:
    """The configured run store, opened once per process and location."""
    target, source = store_location()
    key = str(target)
    with _lock:
        store = _opened.get(key)
        if store is None:
            store = _opened[key] = RunStore(target, source=source)
        return store


def close_default_stores() -> None:
    """Close the stores :func:`default_store` opened; the next call opens them afresh."""
    with _lock:
        stores = list(_opened.values())
        _opened.clear()
    for store in stores:
        store.close()


def store_location(start: Path | None = None) -> tuple[str | Path, str]:
    """Where the run store is, and what said so.

    ``WORKBENCH_RUN_STORE`` first, then ``[jobs] store`` in the project's workbench.toml,
    then in the user's; else ``runs.db`` in the data folder.

    Example:
        >>> import os
        >>> os.environ["WORKBENCH_RUN_STORE"] = "postgresql://jobs@db.internal/workbench"
        >>> store_location()
        ('postgresql://jobs@db.internal/workbench', 'WORKBENCH_RUN_STORE')
        >>> del os.environ["WORKBENCH_RUN_STORE"]
    """
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env, ENV_VAR
    for path in (paths.project_file(start), paths.user_file()):
        if path is not None and path.is_file():
            configured = _configured(path)
            if configured is not None:
                return configured, f"{path}: [jobs] store"
    return paths.data_dir() / FILE_NAME, "the run store"


def _configured(path: Path) -> str | None:
    from workbench.config.entries import read_table

    jobs = read_table(path, "jobs")
    where = f"{path}: [jobs] store"
    if "store" not in jobs:
        return None
    from workbench.config.secrets import default_secret_store

    value = resolve(
        jobs["store"], where=where, secrets=lambda name: default_secret_store().get(name)
    )
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a database URL such as postgresql://user@host/db")
    return value


def _url(target: str | Path, source: str) -> sa.URL:
    if isinstance(target, Path) or "://" not in target:
        path = Path(target).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.private_file(path)  # runs and events: 0600, and so its -wal and -shm files
        return sa.URL.create("sqlite", database=str(path))
    try:
        url = sa.make_url(target)
    except sa.exc.ArgumentError:
        raise ConfigError(
            f"{source}: expected a database URL such as postgresql://user@host/db, "
            f"got {scrub(target)!r}"
        ) from None
    if url.password:
        register_secret(str(url.password))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ConfigError(
            f"{source}: the run store must be PostgreSQL or SQLite, "
            f"got {url.render_as_string(hide_password=True)!r}"
        )
    return url


def _engine(url: sa.URL, source: str) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(exc.name or "psycopg", "postgres") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against a crashed process
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
    cursor.close()
