"""Operations over many objects or whole files: listings, and DataFrames as objects."""

from __future__ import annotations

import fnmatch
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.connectors.s3.bodies import CONTENT_TYPES, scratch_file
from workbench.sdk.errors import ActionError
from workbench.sdk.formats import Format

if TYPE_CHECKING:
    import pandas as pd


def utc(moment: datetime | None) -> datetime | None:
    """A timestamp botocore parsed (in whatever zone) as UTC."""
    return moment.astimezone(UTC) if moment is not None else None


def list_objects(
    client: Any,
    bucket: str,
    start: str,
    relative: Callable[[str], str],
    pattern: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Objects under ``start``, page by page: key (made ``relative``), size, modified, etag."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
        for item in page.get("Contents", []):
            key = relative(item["Key"])
            if pattern is not None and not fnmatch.fnmatchcase(key, pattern):
                continue
            yield {
                "key": key,
                "size": item["Size"],
                "modified": utc(item["LastModified"]),
                "etag": item.get("ETag", "").strip('"'),
            }


def download_frame(
    label: str, client: Any, bucket: str, key: str, kind: Format
) -> tuple[pd.DataFrame, int]:
    """The object read as a DataFrame in format ``kind``, and its size in bytes.

    The body streams into a scratch file, which the files connector's reader then reads.
    """
    with tempfile.TemporaryDirectory(prefix="wb-s3-") as folder:
        path = scratch_file(folder, kind)
        answer = client.get_object(Bucket=bucket, Key=key)
        with path.open("wb") as handle:
            shutil.copyfileobj(answer["Body"], handle)
        try:
            frame = kind.read(path)
        except Exception as exc:
            raise ActionError(
                f"{label}: cannot read {key!r} in bucket {bucket!r} as {kind.name}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return frame, path.stat().st_size


def upload_frame(
    label: str, client: Any, bucket: str, key: str, kind: Format, frame: pd.DataFrame
) -> int:
    """Store ``frame`` as the object ``key`` in format ``kind``; return the bytes stored."""
    with tempfile.TemporaryDirectory(prefix="wb-s3-") as folder:
        path = scratch_file(folder, kind)
        try:
            kind.write(frame, path)
        except Exception as exc:
            raise ActionError(
                f"{label}: cannot write {key!r} as {kind.name}: {type(exc).__name__}: {exc}"
            ) from exc
        with path.open("rb") as handle:
            client.put_object(
                Bucket=bucket, Key=key, Body=handle, ContentType=CONTENT_TYPES[kind.name]
            )
        return path.stat().st_size
