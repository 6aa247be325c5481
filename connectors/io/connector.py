"""The io connector: DataFrames read from and written to local paths and S3, through fsspec."""

from __future__ import annotations

from typing import Any

from workbench.connectors.io.config import IoConfig
from workbench.connectors.io.formats import KNOWN, READERS, SUFFIXES, WRITERS, format_for
from workbench.sdk import Connector, Result, action, require
from workbench.sdk.errors import ActionArgumentError, ActionError


class Io(Connector):
    """CSV, TSV, JSON, JSON lines, Parquet, Excel and XML files as DataFrames, local or on S3.

    A path is local (``out/orders.csv``) or any fsspec URL: ``s3://bucket/key.parquet``
    goes through s3fs, with the endpoint and keys of the connection (``wb.connect("io",
    endpoint_url=..., key=..., secret=...)`` or a ``[connections.NAME]`` with
    ``connector = "io"``). The format comes from the extension or ``format=``. Needs
    ``pip install 'workbench[io]'``.

    Example:
        >>> from workbench.connectors.io import Io
        >>> files = Io()
        >>> files.write("out/orders.xml", [{"id": 1, "total": 9.5}]).data["rows"]
        1
        >>> files.read("out/orders.xml").df.to_dict("records")
        [{'id': 1, 'total': 9.5}]
    """

    name = "io"
    title = "IO"
    category = "storage"
    library = True
    config_model = IoConfig
    config: IoConfig

    @action
    def read(
        self,
        /,
        path: str,
        format: str | None = None,
        storage_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> Result:
        """Read a file into a DataFrame; ``options`` go to the pandas reader (e.g. sep=";").

        Args:
            path: a local path or a URL such as s3://bucket/orders.parquet
            format: csv, tsv, json, jsonl, parquet, excel or xml; by default the extension's
            storage_options: fsspec options for this call, over the connection's
            **options: keyword arguments of the pandas reader (read_csv, read_xml, ...)

        Example:
            >>> Io().write("orders.tsv", [{"id": 1}, {"id": 2}]).data["format"]
            'tsv'
            >>> Io().read("orders.tsv").df["id"].tolist()
            [1, 2]
        """
        label = f"{self.connection}.read"
        kind = format_for(label, path, format)
        fs, where = self._filesystem(label, path, storage_options)
        if not fs.exists(where):
            raise ActionArgumentError(f"{label}: {path!r} not found")
        with fs.open(where, "rb") as handle:
            try:
                frame = READERS[kind](handle, **options)
            except TypeError as exc:
                raise ActionArgumentError(f"{label}: {kind} reader: {exc}") from None
            except ValueError as exc:
                raise ActionError(f"{label}: {path!r} is not valid {kind}: {exc}") from None
        return Result(frame, raw={"path": path, "format": kind})

    @action
    def write(
        self,
        /,
        path: str,
        data: Any,
        format: str | None = None,
        storage_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Write a DataFrame (or records) to a file; returns path, format, rows and bytes.

        Args:
            path: a local path (folders are made) or a URL such as s3://bucket/out.csv
            data: a DataFrame, a Result or a list of records (dicts)
            format: csv, tsv, json, jsonl, parquet, excel or xml; by default the extension's
            storage_options: fsspec options for this call, over the connection's
            **options: keyword arguments of the pandas writer (to_csv, to_xml, ...)

        Example:
            >>> Io().write("out/orders.json", [{"id": 1}]).data["rows"]
            1
        """

        label = f"{self.connection}.write"
        kind = format_for(label, path, format)
        frame = _frame(label, data)
        fs, where = self._filesystem(label, path, storage_options)
        if _is_local(fs):
            parent = where.rsplit("/", 1)[0]
            if parent and parent != where:
                fs.makedirs(parent, exist_ok=True)
        with fs.open(where, "wb") as handle:
            try:
                WRITERS[kind](frame, handle, **options)
            except TypeError as exc:
                raise ActionArgumentError(f"{label}: {kind} writer: {exc}") from None
        size = fs.info(where).get("size")
        return {"path": path, "format": kind, "rows": len(frame), "bytes": size}

    @action
    def list(self, path: str, storage_options: dict[str, Any] | None = None) -> Result:
        """Files under a folder or matching a glob (``s3://lake/in/*.csv``): path, size, format.

        Args:
            path: a folder or a glob, local or a URL
            storage_options: fsspec options for this call, over the connection's

        Example:
            >>> _ = Io().write("in/a.csv", [{"id": 1}])
            >>> [p.rsplit("/", 1)[-1] for p in Io().list("in/*.csv").df["path"]]
            ['a.csv']
        """
        import pandas as pd

        label = f"{self.connection}.list"
        fs, where = self._filesystem(label, path, storage_options)
        if any(c in where for c in "*?["):
            found = fs.glob(where, detail=True)
        else:
            found = fs.find(where, detail=True) if fs.exists(where) else {}
        protocol = path.split("://", 1)[0] + "://" if "://" in path else ""
        rows = []
        for name, info in sorted(found.items()):
            if info.get("type") == "directory":
                continue
            suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
            rows.append(
                {"path": protocol + name, "size": info.get("size"), "format": SUFFIXES.get(suffix)}
            )
        return Result(pd.DataFrame(rows, columns=["path", "size", "format"]))

    @action
    def formats(self) -> Result:
        """The formats known: name and the extensions that imply it.

        Example:
            >>> Io().formats().df["format"].tolist()
            ['csv', 'excel', 'json', 'jsonl', 'parquet', 'tsv', 'xml']
        """
        import pandas as pd

        rows = [
            {"format": name, "extensions": " ".join(s for s, f in SUFFIXES.items() if f == name)}
            for name in sorted(READERS)
        ]
        return Result(pd.DataFrame(rows), raw={"known": KNOWN})

    def _filesystem(self, label: str, path: str, extra: dict[str, Any] | None) -> tuple[Any, str]:
        fsspec = require("fsspec", "io")
        options = {**self.config.storage_options(path), **(extra or {})}
        protocol = path.split("://", 1)[0].lower() if "://" in path else "file"
        if protocol in ("s3", "s3a"):
            require("s3fs", "io")
        try:
            fs, where = fsspec.core.url_to_fs(path, **options)
        except (ValueError, ImportError) as exc:
            raise ActionArgumentError(f"{label}: cannot open {path!r}: {exc}") from None
        return fs, where


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol
    return "file" in (protocol if isinstance(protocol, tuple | list) else (protocol,))


def _frame(label: str, data: Any) -> Any:
    import pandas as pd

    if isinstance(data, Result):
        return data.df
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return pd.DataFrame(data)
    raise ActionArgumentError(
        f"{label}: data must be a DataFrame, a Result or a list of records, "
        f"got {type(data).__name__}"
    )
