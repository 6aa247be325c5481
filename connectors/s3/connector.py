"""The S3 connector: objects in any S3-compatible store, and DataFrames stored as objects."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, Literal

from workbench.connectors.s3.bodies import decode, encode, format_for
from workbench.connectors.s3.client import MISSING_KEY_CODES, error_code, s3_errors
from workbench.connectors.s3.config import S3Config
from workbench.connectors.s3.objects import download_frame, list_objects, upload_frame, utc
from workbench.connectors.s3.polling import PrefixPoll
from workbench.sdk import Event, Result, action, trigger
from workbench.sdk.aws import AwsConnector
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.formats import as_frame

LIST_COLUMNS = ["key", "size", "modified", "etag"]
BUCKET_COLUMNS = ["name", "created"]
MAX_EXPIRES = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live
PRESIGN_METHODS = {"get": "get_object", "put": "put_object", "delete": "delete_object"}


class S3(AwsConnector):
    """Objects in Amazon S3 or any S3-compatible store (MinIO, Ceph, R2, moto).

    Keys are relative to the connection's ``prefix``; ``bucket`` defaults to the
    connection's. ``read`` and ``write`` store DataFrames as CSV, JSON, JSON lines,
    Parquet or Excel, chosen by the key's suffix. Needs ``pip install 'workbench[s3]'``.

    Example:
        >>> from workbench.connectors.s3 import S3, S3Config
        >>> store = S3(S3Config(bucket="reports", endpoint_url="http://127.0.0.1:9000",
        ...                     access_key_id="minio", secret_access_key="minio-secret"))
        >>> sorted(store.action_specs)  # doctest: +NORMALIZE_WHITESPACE
        ['buckets', 'create_bucket', 'delete', 'get', 'list', 'presign', 'put', 'read',
         'write']
        >>> store.config.public_fields()["secret_access_key"]
        '***'
    """

    name = "s3"
    title = "S3"
    category = "storage"
    auth_kinds = ("access_key",)
    config_model = S3Config
    config: S3Config

    service = "s3"
    extra = "s3"

    def client_settings(self) -> dict[str, Any]:
        return {
            "s3": {"addressing_style": self.config.addressing_style},
            "signature_version": "s3v4",
        }

    def check(self) -> str:
        """List the bucket (or the buckets) with short timeouts and no retries.

        Returns ``S3 at ENDPOINT (bucket B: N objects)``; a failure raises
        ConnectionFailedError naming the reason (unreachable, credentials, missing bucket).
        """
        client = self.quick_client()
        endpoint, bucket = str(client.meta.endpoint_url), self.config.bucket
        label = f"{self.connection}.check"
        try:
            with s3_errors(label, endpoint=endpoint, bucket=bucket, check=True):
                if bucket is None:
                    count = len(client.list_buckets().get("Buckets", []))
                    return f"S3 at {endpoint} ({count} bucket{'' if count == 1 else 's'})"
                prefix = self.config.full_key("") if self.config.prefix else ""
                page = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1000)
        finally:
            client.close()
        count = page.get("KeyCount", 0)
        shown = f"{count}{'+' if page.get('IsTruncated') else ''} object{'' if count == 1 else 's'}"
        where = f"bucket {bucket}" + (f", prefix {prefix}" if prefix else "")
        return f"S3 at {endpoint} ({where}: {shown})"

    @action
    def get(self, key: str, bucket: str | None = None, text: bool | None = None) -> Result:
        """Fetch a (small) object: text for textual content types, otherwise bytes.

        Args:
            key: the object's key, relative to the connection's prefix
            bucket: the bucket (default: the connection's)
            text: True to decode as text, False for bytes; by default the content type decides
        """
        label, name, full = self._where("get", bucket, key)
        with s3_errors(label, endpoint=self.endpoint, bucket=name, key=key):
            answer = self.client.get_object(Bucket=name, Key=full)
            body = answer["Body"].read()
        kind = answer.get("ContentType")
        try:
            data = decode(body, kind, text)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ActionError(f"{label}: object {key!r} is not text ({exc})") from None
        raw = {
            "bucket": name,
            "key": full,
            "content_type": kind,
            "bytes": len(body),
            "etag": answer.get("ETag", "").strip('"'),
            "modified": utc(answer.get("LastModified")),
            "metadata": answer.get("Metadata", {}),
        }
        return Result(data, raw=raw)

    @action
    def put(
        self, key: str, data: Any, content_type: str | None = None, bucket: str | None = None
    ) -> dict[str, Any]:
        """Store bytes, text (UTF-8) or a JSON-serialisable value as an object.

        Args:
            key: the object's key, relative to the connection's prefix
            data: bytes, a str, or anything JSON-serialisable (dicts, lists, numbers)
            content_type: the object's content type (default: from the kind of data)
            bucket: the bucket (default: the connection's)
        """
        label, name, full = self._where("put", bucket, key)
        body, kind = encode(label, data, content_type)
        with s3_errors(label, endpoint=self.endpoint, bucket=name, key=key):
            answer = self.client.put_object(Bucket=name, Key=full, Body=body, ContentType=kind)
        etag = answer.get("ETag", "").strip('"')
        return {"bucket": name, "key": full, "bytes": len(body), "content_type": kind, "etag": etag}

    @action
    def delete(self, key: str, bucket: str | None = None) -> dict[str, Any]:
        """Delete an object; ``deleted`` says whether it existed.

        Args:
            key: the object's key, relative to the connection's prefix
            bucket: the bucket (default: the connection's)
        """
        label, name, full = self._where("delete", bucket, key)
        with s3_errors(label, endpoint=self.endpoint, bucket=name, key=key):
            try:
                self.client.head_object(Bucket=name, Key=full)
                existed = True
            except Exception as exc:
                if error_code(exc) not in MISSING_KEY_CODES:
                    raise
                existed = False
            self.client.delete_object(Bucket=name, Key=full)  # a missing bucket fails here
        return {"bucket": name, "key": full, "deleted": existed}

    @action
    def presign(
        self,
        key: str,
        method: Literal["get", "put", "delete"] = "get",
        expires: int = 3600,
        bucket: str | None = None,
    ) -> str:
        """A URL that lets anyone holding it get (or put, or delete) the object, for a while.

        Args:
            key: the object's key, relative to the connection's prefix
            method: get, put or delete
            expires: seconds the URL stays valid (at most 7 days)
            bucket: the bucket (default: the connection's)
        """
        label, name, full = self._where("presign", bucket, key)
        if not 1 <= expires <= MAX_EXPIRES:
            raise ActionArgumentError(f"{label}: expires must be 1..{MAX_EXPIRES} seconds")
        with s3_errors(label, endpoint=self.endpoint, bucket=name, key=key):
            url = self.client.generate_presigned_url(
                PRESIGN_METHODS[method], Params={"Bucket": name, "Key": full}, ExpiresIn=expires
            )
        return str(url)

    @action
    def read(self, key: str, format: str | None = None, bucket: str | None = None) -> Result:
        """Read an object into a DataFrame (CSV, JSON, JSON lines, Parquet or Excel).

        Args:
            key: the object's key, relative to the connection's prefix
            format: csv, json, jsonl, parquet or xlsx; by default the key's suffix decides
            bucket: the bucket (default: the connection's)
        """
        label, name, full = self._where("read", bucket, key)
        kind = format_for(label, key, format)
        with s3_errors(label, endpoint=self.endpoint, bucket=name, key=key):
            frame, size = download_frame(label, self.client, name, full, kind)
        raw = {"bucket": name, "key": full, "format": kind.name, "bytes": size}
        return Result(frame, raw=raw)

    @action
    def write(
        self, key: str, data: Any, format: str | None = None, bucket: str | None = None
    ) -> dict[str, Any]:
        """Write a DataFrame or a list of records as an object; returns key, format, rows, bytes.

        An object appears whole or not at all: S3 never shows half an upload.

        Args:
            key: the object's key, relative to the connection's prefix
            data: a DataFrame or a list of records (dicts)
            format: csv, json, jsonl, parquet or xlsx; by default the key's suffix decides
            bucket: the bucket (default: the connection's)
        """
        label, name, full = self._where("write", bucket, key)
        kind = format_for(label, key, format)
        frame = as_frame(label, data)
        with s3_errors(label, endpoint=self.endpoint, bucket=name, key=key):
            size = upload_frame(label, self.client, name, full, kind, frame)
        return {"bucket": name, "key": full, "format": kind.name, "rows": len(frame), "bytes": size}

    @action
    def buckets(self) -> Result:
        """List the buckets the credentials can see, by name: name, created."""
        label = f"{self.connection}.buckets"
        with s3_errors(label, endpoint=self.endpoint, bucket=None):
            found = self.client.list_buckets().get("Buckets", [])
        rows = [
            {"name": b["Name"], "created": utc(b.get("CreationDate"))}
            for b in sorted(found, key=lambda b: b["Name"])
        ]
        return Result(rows or _empty(BUCKET_COLUMNS), raw={"endpoint": self.endpoint})

    @action
    def create_bucket(self, name: str) -> dict[str, Any]:
        """Create a bucket in the connection's region.

        Args:
            name: the bucket's name (3-63 lower-case letters, digits, dots and hyphens)
        """
        label = f"{self.connection}.create_bucket"
        region = self.client.meta.region_name
        options: dict[str, Any] = {"Bucket": name}
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with s3_errors(label, endpoint=self.endpoint, bucket=name):
            self.client.create_bucket(**options)
        return {"bucket": name, "region": region}

    @trigger
    def new_objects(
        self,
        prefix: str = "",
        interval: float = 5.0,
        bucket: str | None = None,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
    ) -> Iterator[list[Event] | None]:
        """New and changed objects under a prefix, found by listing it every few seconds.

        Objects put while nothing was reading are found when reading starts again: the
        marker remembers the ETag of every object reported (and only of the objects that
        still exist). The event id is the key and ETag, so a replaced object is a new
        event; its type is ``object.created`` or ``object.changed``, its subject the key
        (relative to the connection's prefix), its data bucket, key, size, etag, modified.

        Args:
            prefix: only keys that start with this (relative to the connection's prefix)
            interval: seconds between two listings
            bucket: the bucket (default: the connection's)
            max_events: stop after this many events (None: never)
            timeout: stop after this many seconds without a new object (None: never)
        """
        label = f"{self.connection}.new_objects"
        name = self._bucket(label, bucket)
        if interval <= 0:
            raise ActionArgumentError(f"{label}: interval must be more than 0 seconds")
        if max_events is not None and max_events < 1:
            raise ActionArgumentError(f"{label}: max_events must be 1 or more, got {max_events}")
        start = self.config.full_key(prefix) if (prefix or self.config.prefix) else ""
        return self._poll(label, name, start, interval, max_events, timeout)

    def _poll(
        self,
        label: str,
        bucket: str,
        start: str,
        interval: float,
        max_events: int | None,
        timeout: float | None,
    ) -> Iterator[list[Event] | None]:
        from workbench.sdk.triggers.files import Seen, deliver

        seen = Seen(self.trigger_state)
        poll = PrefixPoll(
            self.client,
            bucket,
            start,
            seen,
            relative=self.config.relative_key,
            source=label,
            endpoint=self.endpoint,
        )
        yield from deliver(poll.sightings(interval), seen, max_events=max_events, timeout=timeout)

    def _where(self, action_name: str, bucket: str | None, key: str) -> tuple[str, str, str]:
        """The action's label, the bucket to use and the full key."""
        label = f"{self.connection}.{action_name}"
        if not key:
            raise ActionArgumentError(f"{label}: the key must not be empty")
        return label, self._bucket(label, bucket), self.config.full_key(key)

    def _bucket(self, label: str, bucket: str | None) -> str:
        name = bucket or self.config.bucket
        if not name:
            raise ActionArgumentError(
                f"{label}: no bucket; pass bucket=... or set `bucket` on the connection"
            )
        return name

    # Defined last: inside the class body, the name `list` is this action from here on.
    @action
    def list(
        self,
        prefix: str = "",
        pattern: str | None = None,
        bucket: str | None = None,
        max_items: int | None = None,
    ) -> Result:
        """List objects: key (relative to the connection's prefix), size, modified, etag.

        Args:
            prefix: only keys that start with this (relative to the connection's prefix)
            pattern: a glob the relative key must match, such as ``*.csv`` (``*`` spans ``/``)
            bucket: the bucket (default: the connection's)
            max_items: stop after this many objects
        """
        label = f"{self.connection}.list"
        name = self._bucket(label, bucket)
        start = self.config.full_key(prefix) if (prefix or self.config.prefix) else ""
        found = list_objects(self.client, name, start, self.config.relative_key, pattern)
        with s3_errors(label, endpoint=self.endpoint, bucket=name):
            rows = list(itertools.islice(found, max_items))
        return Result(rows or _empty(LIST_COLUMNS), raw={"bucket": name, "prefix": start})


def _empty(columns: list[str]) -> Any:
    import pandas as pd

    return pd.DataFrame(columns=columns)
