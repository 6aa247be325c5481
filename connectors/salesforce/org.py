"""An in-memory Salesforce org: sample records, SOQL, sObject CRUD and Bulk API 2.0 query jobs.

:class:`SampleOrg` answers a REST request (method, path, query, JSON body) as Salesforce
documents it: query pages linked by ``nextRecordsUrl``, ``201`` for a created record and
``204`` for an update, upsert on an external id (``201`` created, ``200`` updated),
describe, query jobs that go UploadComplete -> InProgress -> JobComplete (or Failed) one
step per look, and CSV results paged by ``Sforce-Locator``. Errors are Salesforce's JSON
list of ``{"message", "errorCode"}``. The sandbox (:mod:`.sandbox`) serves it in-process.

Example:
    >>> org = SampleOrg(page_size=2)
    >>> reply = org.handle("GET", "/services/data/v62.0/query",
    ...                    {"q": "SELECT Name FROM Account WHERE Industry = 'Electronics'"})
    >>> reply.status, reply.body["done"], [r["Name"] for r in reply.body["records"]]
    (200, True, ['Edge Communications', '  edge communications '])
    >>> org.handle("GET", "/services/data/v62.0/sobjects/Account/001D000000IqhZZIAZ").body
    [{'errorCode': 'NOT_FOUND', 'message': 'The requested resource does not exist'}]
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from workbench.connectors.salesforce import soql
from workbench.connectors.salesforce.records import flat

FIXTURES = Path(__file__).with_name("fixtures.json")
"""Accounts, Contacts and Users after the examples of Salesforce's REST API Developer Guide."""
_DATA = re.compile(r"^/services/data/v(\d+\.\d)(/.*)?$")
_STEPS = {"UploadComplete": "InProgress"}


@cache
def fixtures() -> dict[str, Any]:
    """The sample records and describe answers (parsed once; copy before changing)."""
    loaded: dict[str, Any] = json.loads(FIXTURES.read_text(encoding="utf-8"))
    return loaded


def stamp(moment: datetime) -> str:
    """A datetime as Salesforce writes it: ``2024-05-01T08:30:00.000+0000``.

    Example:
        >>> stamp(datetime(2024, 5, 1, 8, 30, tzinfo=UTC))
        '2024-05-01T08:30:00.000+0000'
    """
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


@dataclass
class Reply:
    """An answer: status, JSON body (or CSV text) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None

    @property
    def content_type(self) -> str:
        return "text/csv" if self.text is not None else "application/json;charset=UTF-8"

    def content(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        return b"" if self.body is None else json.dumps(self.body).encode("utf-8")


class OrgError(Exception):
    """A request Salesforce refuses: the status and the error list to answer."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        error: dict[str, Any] = {"errorCode": code, "message": message}
        if fields is not None:
            error["fields"] = fields
        self.reply = Reply(status, [error])


def not_found() -> OrgError:
    return OrgError(404, "NOT_FOUND", "The requested resource does not exist")


class SampleOrg:
    """The org's records (from :func:`fixtures`), cursors and query jobs, in memory.

    ``page_size`` is the most records a query page holds (Salesforce: 2,000) and ``clock``
    gives the time stamped on changed records.
    """

    def __init__(
        self,
        *,
        page_size: int = 2000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        data = copy.deepcopy(fixtures())
        self.describes: dict[str, dict[str, Any]] = data["describe"]
        self.records: dict[str, dict[str, dict[str, Any]]] = {
            name: {r["Id"]: r for r in rows} for name, rows in data["records"].items()
        }
        self.page_size = page_size
        self.clock = clock
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self._numbers = itertools.count(1)

    # -- requests ----------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Reply:
        """Answer one REST API request (``path`` from ``/services/data/vXX.X``, its
        segments percent-encoded as sent)."""
        match = _DATA.match(path.rstrip("/"))
        if match is None:
            return not_found().reply
        version = match.group(1)
        rest = [unquote(part) for part in (match.group(2) or "/").strip("/").split("/")]
        base = f"/services/data/v{version}"
        try:
            return self._route(method.upper(), base, rest, dict(params or {}), body)
        except soql.SoqlError as exc:
            return OrgError(400, exc.code, str(exc)).reply
        except OrgError as exc:
            return exc.reply

    def _route(
        self, method: str, base: str, rest: list[str], params: dict[str, str], body: Any
    ) -> Reply:
        head, parts = rest[0], rest[1:]
        if head in ("query", "queryAll") and method == "GET":
            if parts:
                return self._next_page(base, head, parts[0])
            if "q" not in params:
                raise OrgError(400, "MALFORMED_QUERY", "A query string has to be specified")
            return self._first_page(base, head, params["q"])
        if head == "sobjects" and parts:
            return self._sobject(method, base, parts, params, body)
        if head == "limits" and not parts and method == "GET":
            return Reply(200, {"DailyApiRequests": {"Max": 15000, "Remaining": 14998}})
        if head == "jobs" and parts[:1] == ["query"]:
            return self._jobs(method, base, parts[1:], params, body)
        raise not_found()

    # -- queries -----------------------------------------------------------------------

    def run(
        self, base: str, text: str, include_deleted: bool = False
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The records a query selects, shaped as Salesforce answers them, and the field
        paths selected (in the org's spelling)."""
        query = soql.parse(text)
        sobject = self._sobject_name(query.sobject)
        paths = [self._path(sobject, name) for name in query.fields]
        rows = [
            r
            for r in self.records[sobject].values()
            if (include_deleted or not r.get("IsDeleted"))
            and soql.matches(partial(self._value, sobject, r), query)
        ]
        for name, descending in reversed(query.order):  # stable sorts, the last key first
            self._path(sobject, name)

            def key(record: dict[str, Any], name: str = name) -> tuple[int, Any]:
                return _order_key(self._value(sobject, record, name))

            rows.sort(key=key, reverse=descending)
        if query.limit is not None:
            rows = rows[: query.limit]
        return [self._shaped(base, sobject, r, paths) for r in rows], [".".join(p) for p in paths]

    def _first_page(self, base: str, kind: str, text: str) -> Reply:
        found, _ = self.run(base, text, include_deleted=kind == "queryAll")
        cursor = f"01gD0000002HU6{next(self._numbers):04d}"
        self.cursors[cursor] = found
        return self._page(base, kind, cursor, 0)

    def _next_page(self, base: str, kind: str, locator: str) -> Reply:
        cursor, _, offset = locator.rpartition("-")
        if cursor not in self.cursors or not offset.isdigit():
            raise OrgError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(base, kind, cursor, int(offset))

    def _page(self, base: str, kind: str, cursor: str, offset: int) -> Reply:
        found = self.cursors[cursor]
        end = offset + self.page_size
        page: dict[str, Any] = {"totalSize": len(found), "done": end >= len(found)}
        if end < len(found):
            page["nextRecordsUrl"] = f"{base}/{kind}/{cursor}-{end}"
        else:
            del self.cursors[cursor]
        page["records"] = found[offset:end]
        return Reply(200, page)

    def _sobject_name(self, name: str) -> str:
        for known in self.records:
            if known.lower() == name.lower():
                return known
        raise OrgError(
            400,
            "INVALID_TYPE",
            f"sObject type '{name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name.",
        )

    def _field(self, sobject: str, name: str) -> dict[str, Any] | None:
        for described in self.describes[sobject]["fields"]:
            if described["name"].lower() == name.lower():
                found: dict[str, Any] = described
                return found
        return None

    def _path(self, sobject: str, dotted: str) -> list[str]:
        """A field path (``Owner.Name``) in the org's spelling, or INVALID_FIELD."""
        parts = dotted.split(".")
        spelled: list[str] = []
        current = sobject
        for relationship in parts[:-1]:
            link = next(
                (
                    f
                    for f in self.describes[current]["fields"]
                    if (f.get("relationshipName") or "").lower() == relationship.lower()
                ),
                None,
            )
            if link is None:
                raise OrgError(
                    400,
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{relationship}' in field path. If you "
                    "are attempting to use a custom relationship, be sure to append the "
                    "'__r' after the custom relationship name.",
                )
            spelled.append(str(link["relationshipName"]))
            current = link["referenceTo"][0]
        described = self._field(current, parts[-1])
        if described is None:
            raise OrgError(
                400,
                "INVALID_FIELD",
                f"No such column '{parts[-1]}' on entity '{current}'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the custom field name.",
            )
        return [*spelled, str(described["name"])]

    def _parent(self, sobject: str, record: dict[str, Any], relationship: str) -> Any:
        link = next(
            f
            for f in self.describes[sobject]["fields"]
            if (f.get("relationshipName") or "").lower() == relationship.lower()
        )
        target = link["referenceTo"][0]
        return target, self.records[target].get(record.get(link["name"]) or "")

    def _value(self, sobject: str, record: dict[str, Any], dotted: str) -> Any:
        path = self._path(sobject, dotted)
        current: Any = record
        for relationship in path[:-1]:
            sobject, current = self._parent(sobject, current, relationship)
            if current is None:
                return None
        return current.get(path[-1])

    def _shaped(
        self, base: str, sobject: str, record: dict[str, Any], paths: list[list[str]]
    ) -> dict[str, Any]:
        shaped = _with_attributes(base, sobject, record["Id"])
        for path in paths:
            into, kind, current = shaped, sobject, record
            for relationship in path[:-1]:
                kind, current = self._parent(kind, current, relationship)
                if current is None:
                    into[relationship] = None
                    break
                if not isinstance(into.get(relationship), dict):
                    into[relationship] = _with_attributes(base, kind, current["Id"])
                into = into[relationship]
            else:
                into[path[-1]] = current.get(path[-1])
        return shaped

    # -- records -----------------------------------------------------------------------

    def _sobject(
        self, method: str, base: str, parts: list[str], params: dict[str, str], body: Any
    ) -> Reply:
        sobject = self._sobject_name(parts[0])
        if parts[1:] == ["describe"] and method == "GET":
            return Reply(200, self.describes[sobject])
        if len(parts) == 1 and method == "POST":
            created = self._write(sobject, None, _record_body(body))
            return Reply(201, {"id": created, "success": True, "errors": []})
        if len(parts) == 2:
            record = self._live(sobject, parts[1])
            if method == "GET":
                names = [n for n in params.get("fields", "").split(",") if n.strip()]
                fields = names or [f["name"] for f in self.describes[sobject]["fields"]]
                return Reply(200, self._shaped(base, sobject, record, [
                    self._path(sobject, n.strip()) for n in fields
                ]))  # fmt: skip
            if method == "PATCH":
                self._write(sobject, record, _record_body(body))
                return Reply(204)
            if method == "DELETE":
                record["IsDeleted"] = True
                record["LastModifiedDate"] = stamp(self.clock())
                return Reply(204)
        if len(parts) == 3 and method == "PATCH":
            return self._upsert(base, sobject, parts[1], parts[2], _record_body(body))
        raise not_found()

    def _live(self, sobject: str, record_id: str) -> dict[str, Any]:
        record = self.records[sobject].get(record_id)
        if record is None:
            raise not_found()
        if record.get("IsDeleted"):
            raise OrgError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def _upsert(
        self, base: str, sobject: str, field_name: str, value: str, body: dict[str, Any]
    ) -> Reply:
        described = self._field(sobject, field_name)
        if described is None or not (described["externalId"] or described["name"] == "Id"):
            raise OrgError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field_name}",
            )
        name = described["name"]
        found = [
            r for r in self.records[sobject].values() if r.get(name) == value and not r["IsDeleted"]
        ]
        if len(found) > 1:
            urls = [f"{base}/sobjects/{sobject}/{r['Id']}" for r in found]
            return Reply(300, urls)
        if found:
            self._write(sobject, found[0], body)
            return Reply(
                200, {"id": found[0]["Id"], "success": True, "errors": [], "created": False}
            )
        created = self._write(sobject, None, {**body, name: value})
        return Reply(201, {"id": created, "success": True, "errors": [], "created": True})

    def _write(self, sobject: str, record: dict[str, Any] | None, values: dict[str, Any]) -> str:
        """Create (``record`` None) or update a record with ``values``; its id."""
        verb = "createable" if record is None else "updateable"
        spelled: dict[str, Any] = {}
        for name, value in values.items():
            described = self._field(sobject, name)
            if described is None:
                raise OrgError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
            if not described[verb]:
                raise OrgError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {described['name']}. Please check the "
                    "security settings of this field and verify that it is read/write for "
                    "your profile or permission set.",
                    [described["name"]],
                )
            spelled[described["name"]] = value
            if described["unique"] and value is not None:
                self._check_unique(sobject, record, described["name"], value)
        now = stamp(self.clock())
        if record is None:
            missing = [
                f["name"]
                for f in self.describes[sobject]["fields"]
                if f["createable"]
                and not f["nillable"]
                and f["name"] != "OwnerId"
                and spelled.get(f["name"]) in (None, "")
            ]
            if missing:
                raise OrgError(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
            prefix = self.describes[sobject]["keyPrefix"]
            record = {f["name"]: None for f in self.describes[sobject]["fields"]}
            record.update(Id=f"{prefix}R0000{next(self._numbers):07d}AAA", CreatedDate=now)
            record.update(IsDeleted=False, OwnerId=next(iter(self.records["User"])))
            self.records[sobject][record["Id"]] = record
        record.update(spelled)
        record["LastModifiedDate"] = now
        return str(record["Id"])

    def _check_unique(
        self, sobject: str, record: dict[str, Any] | None, name: str, value: Any
    ) -> None:
        for other in self.records[sobject].values():
            if other is not record and other.get(name) == value and not other["IsDeleted"]:
                raise OrgError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: "
                    f"{other['Id']}",
                    [name],
                )

    # -- Bulk API 2.0 query jobs ----------------------------------------------------------

    def _jobs(
        self, method: str, base: str, parts: list[str], params: dict[str, str], body: Any
    ) -> Reply:
        if not parts and method == "POST":
            return self._create_job(base, body)
        job = self.jobs.get(parts[0]) if parts else None
        if job is None:
            raise OrgError(404, "NOT_FOUND", "The requested resource does not exist")
        if len(parts) == 1 and method == "GET":
            self._advance(base, job)
            return Reply(200, _job_info(job))
        if len(parts) == 1 and method == "PATCH":
            if not isinstance(body, dict) or body.get("state") != "Aborted":
                raise OrgError(400, "INVALIDJOBSTATE", "A job can only be changed to Aborted")
            if job["state"] in ("JobComplete", "Failed"):
                raise OrgError(400, "INVALIDJOBSTATE", f"Job is already {job['state']}")
            job["state"] = "Aborted"
            return Reply(200, _job_info(job))
        if parts[1:] == ["results"] and method == "GET":
            return self._results(job, params)
        raise not_found()

    def _create_job(self, base: str, body: Any) -> Reply:
        if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
            raise OrgError(400, "API_ERROR", "operation must be query or queryAll")
        text = str(body.get("query") or "")
        parsed = soql.parse(text)
        job_id = f"750R000000{next(self._numbers):05d}IAA"
        self.jobs[job_id] = {
            "id": job_id,
            "operation": body["operation"],
            "object": parsed.sobject,
            "createdById": next(iter(self.records["User"])),
            "createdDate": stamp(self.clock()),
            "state": "UploadComplete",
            "query": text,
        }
        return Reply(200, _job_info(self.jobs[job_id]))

    def _advance(self, base: str, job: dict[str, Any]) -> None:
        """One step of the job's life per look: UploadComplete, InProgress, then the end."""
        state = job["state"]
        if state in _STEPS:
            job["state"] = _STEPS[state]
            return
        if state != "InProgress":
            return
        try:
            found, columns = self.run(base, job["query"], job["operation"] == "queryAll")
        except (OrgError, soql.SoqlError) as exc:
            code = exc.code if isinstance(exc, soql.SoqlError) else exc.reply.body[0]["errorCode"]
            job.update(state="Failed", errorMessage=f"{code}: {exc}")
            return
        job.update(state="JobComplete", rows=[flat(r) for r in found], columns=columns)

    def _results(self, job: dict[str, Any], params: dict[str, str]) -> Reply:
        if job["state"] != "JobComplete":
            raise OrgError(
                400, "INVALIDJOBSTATE", f"Results are not available: the job is {job['state']}"
            )
        rows, columns = job["rows"], job["columns"]
        start = _offset(params.get("locator"))
        size = int(params.get("maxRecords") or 0) or len(rows) or 1
        page = rows[start : start + size]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if r.get(c) is None else r.get(c) for c in columns] for r in page])
        more = start + size < len(rows)
        locator = base64.b64encode(str(start + size).encode()).decode().rstrip("=")
        headers = {"Sforce-Locator": locator if more else "null"}
        headers["Sforce-NumberOfRecords"] = str(len(page))
        return Reply(200, headers=headers, text=out.getvalue())


def _with_attributes(base: str, sobject: str, record_id: str) -> dict[str, Any]:
    return {"attributes": {"type": sobject, "url": f"{base}/sobjects/{sobject}/{record_id}"}}


def _record_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise OrgError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return {k: v for k, v in body.items() if k != "attributes"}


def _order_key(value: Any) -> tuple[int, Any]:
    """Nulls first, as SOQL sorts them ascending."""
    return (0, "") if value is None else (1, value)


def _offset(locator: str | None) -> int:
    if not locator or locator == "null":
        return 0
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except ValueError:
        raise OrgError(400, "INVALIDLOCATOR", f"invalid locator: {locator}") from None


def _job_info(job: dict[str, Any]) -> dict[str, Any]:
    info = {k: v for k, v in job.items() if k not in ("query", "rows", "columns")}
    info.update(concurrencyMode="Parallel", contentType="CSV", apiVersion=62.0)
    info.update(lineEnding="LF", columnDelimiter="COMMA")
    if job["state"] == "JobComplete":
        info["numberRecordsProcessed"] = len(job["rows"])
    return info
