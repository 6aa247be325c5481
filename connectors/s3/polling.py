"""New and changed objects under a prefix, found by listing it every few seconds.

S3 tells nobody about a new object unless notifications are set up on the bucket (which
most S3-compatible stores lack), so :class:`PrefixPoll` lists the prefix with
ListObjectsV2, page by page, and compares each object's ETag with the marker of what was
reported. After a complete listing the marker keeps only the objects that still exist.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.connectors.s3.client import s3_errors
from workbench.connectors.s3.objects import utc
from workbench.sdk import Event

if TYPE_CHECKING:
    from workbench.sdk.triggers.files import Change, Seen, Sighting

PAGE_SIZE = 1000
"""Objects asked for per ListObjectsV2 call (1,000 is the most S3 returns)."""


class PrefixPoll:
    """Lists ``start`` in ``bucket`` and finds the objects ``seen`` does not hold as they are.

    ``relative`` turns a full key into the key events show (without the connection's
    prefix); ``label`` and ``endpoint`` name the source in errors.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        start: str,
        seen: Seen,
        *,
        relative: Callable[[str], str],
        source: str,
        endpoint: str,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.start = start
        self.seen = seen
        self.relative = relative
        self.source = source
        self.endpoint = endpoint

    def sightings(self, interval: float) -> Iterator[list[Sighting] | None]:
        """Poll every ``interval`` seconds, yielding ``None`` while waiting (twice a second)."""
        from workbench.sdk.triggers.files import IDLE_SECONDS

        while True:
            polled_at = time.monotonic()
            yield from self.poll()
            yield None  # after every listing, even one longer than the interval: a reader
            # told to stop sees it here, not only when a listing happens to end early
            while (left := polled_at + interval - time.monotonic()) > 0:
                time.sleep(min(left, IDLE_SECONDS))
                yield None

    def poll(self) -> Iterator[list[Sighting] | None]:
        """One listing: the new objects of each page; then the marker drops the gone ones.

        A page with nothing new yields ``None`` when half a second has passed since the
        last yield, so a long listing can still be stopped.
        """
        from workbench.sdk.triggers.files import IDLE_SECONDS, Sighting

        listed: set[str] = set()
        last_yield = time.monotonic()
        for page in self._pages():
            found = []
            for item in page.get("Contents", []):
                key = self.relative(item["Key"])
                etag = str(item.get("ETag", "")).strip('"')
                listed.add(key)
                change = self.seen.change(key, etag)
                if change is not None:
                    event = object_event(self.source, self.bucket, key, etag, item, change)
                    found.append(Sighting(key, etag, event))
            if found or time.monotonic() - last_yield >= IDLE_SECONDS:
                yield found or None
                last_yield = time.monotonic()
        self.seen.keep_only(listed)

    def _pages(self) -> Iterator[dict[str, Any]]:
        """The listing's pages, fetched one at a time (botocore failures as Workbench errors)."""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = iter(
            paginator.paginate(
                Bucket=self.bucket,
                Prefix=self.start,
                PaginationConfig={"PageSize": PAGE_SIZE},
            )
        )
        while True:
            with s3_errors(self.source, endpoint=self.endpoint, bucket=self.bucket):
                page = next(pages, None)
            if page is None:
                return
            yield page


def object_event(
    source: str, bucket: str, key: str, etag: str, item: dict[str, Any], change: Change
) -> Event:
    """The event of one object: id key and ETag; data bucket, key, size, etag, modified.

    Example:
        >>> item = {"Key": "in/a.csv", "Size": 12,
        ...         "LastModified": datetime(2024, 5, 1, 8, 30, tzinfo=UTC)}
        >>> event = object_event("lake.new_objects", "lake", "in/a.csv", "9b2c", item, "created")
        >>> event.id, event.type, event.subject, event.data["modified"]
        ('in/a.csv:9b2c', 'object.created', 'in/a.csv', '2024-05-01T08:30:00+00:00')
    """
    modified = utc(item.get("LastModified"))
    return Event(
        source=source,
        time=modified or datetime.now(UTC),
        id=f"{key}:{etag}",
        type=f"object.{change}",
        subject=key,
        data={
            "bucket": bucket,
            "key": key,
            "size": item.get("Size"),
            "etag": etag,
            "modified": modified.isoformat() if modified else None,
        },
    )
