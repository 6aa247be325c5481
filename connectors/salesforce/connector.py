"""The salesforce connector: SOQL to DataFrames, sObject records, describe and Bulk API 2.0.

Calls go to the org's REST API (``/services/data/vXX.X``) at the ``instance_url`` each
OAuth2 token answer names (:mod:`.auth`); an error answer raises :class:`SalesforceError`
with Salesforce's ``errorCode``. With ``sandbox=True`` the sample org answers in-process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from workbench.connectors.salesforce.auth import InstanceFlow, flow_for
from workbench.connectors.salesforce.bulk import QueryJob
from workbench.connectors.salesforce.changes import ChangeFeed, follow
from workbench.connectors.salesforce.config import SalesforceConfig
from workbench.connectors.salesforce.errors import SalesforceError, check_answer
from workbench.connectors.salesforce.records import flat, frame
from workbench.sdk import Event, Result, action, progress_bar, trigger
from workbench.sdk.errors import ActionArgumentError
from workbench.sdk.http import HttpConnector, build_client, details, from_sandbox, send

if TYPE_CHECKING:
    import httpx

_SOBJECT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
DESCRIBED = (
    "name", "label", "type", "length", "nillable", "createable", "updateable",
    "externalId", "unique", "referenceTo", "relationshipName", "picklistValues",
)  # fmt: skip


class Salesforce(HttpConnector):
    """Salesforce: SOQL queries as DataFrames, record CRUD and upsert, describe, Bulk API 2.0.

    A connection in workbench.toml, signing in with the JWT bearer grant::

        [connections.crm]
        connector = "salesforce"
        client_id = "3MVG9..."                     # the connected app's consumer key
        username = "integration@acme.com"
        private_key = { secret = "salesforce/jwt-key" }

    ``sandbox=True`` answers from sample Accounts, Contacts and Users, in-process.

    Example:
        >>> import workbench as wb
        >>> crm = wb.connect("salesforce", sandbox=True)
        >>> hot = crm.query("SELECT Name, Owner.Name FROM Account WHERE Rating = 'Hot'").df
        >>> hot.columns.tolist(), len(hot)
        (['Name', 'Owner.Name'], 2)
        >>> crm.upsert("Account", "External_Id__c", "CUST-2001", {"Name": "Initech"}).data["created"]
        True
        >>> crm.close()
    """  # noqa: E501

    name = "salesforce"
    title = "Salesforce"
    category = "crm"
    auth_kinds = ("oauth2",)
    config_model = SalesforceConfig
    config: SalesforceConfig

    def __init__(self, config: Any = None, *, connection: str | None = None) -> None:
        super().__init__(config, connection=connection)
        self._flow: InstanceFlow | None = None

    @classmethod
    def unconfigured_defaults(cls) -> dict[str, Any]:
        """Without a connection named ``salesforce``, the connector runs in the sandbox."""
        return {"mode": "sandbox"}

    def build_http_client(self) -> httpx.Client:
        """A client on the login URL whose auth moves each call to the token's instance."""
        from workbench.connectors.salesforce.sandbox import SANDBOX_URL, SandboxTransport

        config = self.config
        if config.mode == "sandbox":
            return build_client(
                SANDBOX_URL,
                timeout=config.timeout,
                retry=None,
                transport=SandboxTransport(),
                connection=self.connection,
            )
        self._flow = flow_for(config, self.connection)
        return build_client(
            config.instance_url or config.login_url,
            auth=self._flow,
            timeout=config.timeout,
            verify=config.verify,
            connection=self.connection,
        )

    def check(self) -> str:
        """Sign in and read the org's limits: ``Salesforce org <instance> (API vXX.X)``."""
        if self.config.mode == "sandbox":
            return "sandbox of Salesforce (sample Accounts, Contacts and Users)"
        self._send(f"{self.connection}.check", "GET", f"{self.config.data_path}/limits")
        instance = self._flow.instance_url if self._flow is not None else None
        return (
            f"Salesforce org {instance or self.config.login_url} (API v{self.config.api_version})"
        )

    @property
    def instance_url(self) -> str | None:
        """The org's URL, as the last token answer named it (None before the first call)."""
        if self.config.mode == "sandbox":
            from workbench.connectors.salesforce.sandbox import SANDBOX_URL

            return SANDBOX_URL
        return self._flow.instance_url if self._flow is not None else self.config.instance_url

    # -- queries -----------------------------------------------------------------------

    @action
    def query(self, soql: str, max_items: int | None = None) -> Result:
        """Run a SOQL query; every page (``nextRecordsUrl``) as one DataFrame.

        ``attributes`` is dropped and parent relationships become dotted columns
        (``Owner.Name``).

        Args:
            soql: the query, such as ``SELECT Id, Name, Owner.Name FROM Account``
            max_items: stop after this many records
        """
        return self._query("query", soql, max_items)

    @action
    def query_all(self, soql: str, max_items: int | None = None) -> Result:
        """Run a SOQL query that includes deleted and archived records (``queryAll``).

        Args:
            soql: the query; ``IsDeleted`` tells the deleted records apart
            max_items: stop after this many records
        """
        return self._query("queryAll", soql, max_items)

    @action
    def bulk_query(
        self,
        soql: str,
        include_deleted: bool = False,
        page_size: int | None = None,
        max_wait: float = 3600.0,
    ) -> Result:
        """Run a SOQL query as a Bulk API 2.0 job (for large reads); its CSV as a DataFrame.

        Columns are text, as Salesforce writes the CSV; empty fields are missing values.

        Args:
            soql: the query (no subqueries, as the Bulk API requires)
            include_deleted: a queryAll job (deleted and archived records too)
            page_size: records per result page (``maxRecords``; default: Salesforce's)
            max_wait: seconds to wait for the job to complete
        """
        label = f"{self.connection}.bulk_query"
        job = QueryJob(
            lambda method, path, **kw: self._send(label, method, path, **kw),
            self.config.data_path,
            label,
            poll_interval=self.config.poll_interval,
        )
        found, info = job.run(
            soql, include_deleted=include_deleted, page_size=page_size, max_wait=max_wait
        )
        last = job.last
        raw = {"job": info, **(details(last) if last is not None else {})}
        return Result(
            found, raw=raw, pages=job.pages, sandbox=last is not None and from_sandbox(last)
        )

    # -- records -----------------------------------------------------------------------

    @action
    def get(self, sobject: str, id: str, fields: list[str] | None = None) -> Result:
        """One record by id (all its fields, or ``fields``), as one flat row.

        Args:
            sobject: the object's API name, such as ``Account``
            id: the record's 15 or 18 character id
            fields: the fields to read (default: all)
        """
        label = f"{self.connection}.get"
        params = {"fields": ",".join(fields)} if fields else None
        answer = self._send(label, "GET", self._record_path(label, sobject, id), params=params)
        return self._result(answer, flat(answer.json()))

    @action
    def create(self, sobject: str, record: dict[str, Any]) -> Result:
        """Create a record; returns Salesforce's answer (``id``, ``success``, ``errors``).

        Args:
            sobject: the object's API name, such as ``Contact``
            record: field values by API name
        """
        label = f"{self.connection}.create"
        path = f"{self.config.data_path}/sobjects/{_sobject(label, sobject)}"
        answer = self._send(label, "POST", path, content=_body(label, record))
        return self._result(answer, {**answer.json(), "created": True})

    @action
    def update(self, sobject: str, id: str, record: dict[str, Any]) -> Result:
        """Update fields of a record (Salesforce answers 204 No Content).

        Args:
            sobject: the object's API name
            id: the record's id
            record: the field values to change
        """
        label = f"{self.connection}.update"
        path = self._record_path(label, sobject, id)
        answer = self._send(label, "PATCH", path, content=_body(label, record))
        return self._result(answer, {"id": id, "success": True, "created": False})

    @action
    def upsert(
        self, sobject: str, external_id_field: str, external_id: str, record: dict[str, Any]
    ) -> Result:
        """Create or update the record whose external id field holds ``external_id``.

        The answer says which: ``created`` True (HTTP 201) or False (HTTP 200).

        Args:
            sobject: the object's API name
            external_id_field: a field marked External ID (such as ``External_Id__c``)
            external_id: its value
            record: the other field values
        """
        label = f"{self.connection}.upsert"
        path = (
            f"{self.config.data_path}/sobjects/{_sobject(label, sobject)}/"
            f"{_sobject(label, external_id_field)}/{quote(str(external_id), safe='')}"
        )
        answer = self._send(label, "PATCH", path, content=_body(label, record), allow=(300,))
        if answer.status_code == 300:  # several records hold that external id
            raise SalesforceError(
                f"{label}: {len(answer.json())} {sobject} records have "
                f"{external_id_field} = {external_id!r}; upsert needs a value held by one "
                "record at most (a Unique external id field)",
                code="MULTIPLE_CHOICES",
                status=300,
            )
        body = answer.json() if answer.content else {}
        return self._result(answer, {**body, "created": answer.status_code == 201})

    @action
    def delete(self, sobject: str, id: str) -> Result:
        """Delete a record (it goes to the recycle bin; ``query_all`` still finds it).

        Args:
            sobject: the object's API name
            id: the record's id
        """
        label = f"{self.connection}.delete"
        answer = self._send(label, "DELETE", self._record_path(label, sobject, id))
        return self._result(answer, {"id": id, "success": True, "deleted": True})

    @action
    def describe(self, sobject: str) -> Result:
        """The object's fields, one row each: name, label, type, length, createable, ...

        Args:
            sobject: the object's API name
        """
        import pandas as pd

        label = f"{self.connection}.describe"
        path = f"{self.config.data_path}/sobjects/{_sobject(label, sobject)}/describe"
        answer = self._send(label, "GET", path)
        rows = []
        for described in answer.json().get("fields") or []:
            row = {name: described.get(name) for name in DESCRIBED}
            row["referenceTo"] = ", ".join(described.get("referenceTo") or []) or None
            values = described.get("picklistValues") or []
            row["picklistValues"] = [v.get("value") for v in values if v.get("active", True)]
            rows.append(row)
        return self._result(answer, pd.DataFrame(rows, columns=list(DESCRIBED)))

    # -- trigger -----------------------------------------------------------------------

    @trigger
    def changed_records(
        self,
        sobject: str,
        fields: list[str] | str | None = None,
        since: str | None = None,
        interval: float = 30.0,
        include_deleted: bool = False,
        max_events: int | None = 100,
        timeout: float | None = 60.0,
    ) -> Iterator[list[Event] | None]:
        """Records of an sObject created or changed, polled by ``LastModifiedDate``.

        Each event's id is ``sObject:Id:LastModifiedDate`` (a record saved twice is two
        events), its type ``record.created``, ``record.updated`` or (with
        ``include_deleted``) ``record.deleted``, its subject the record's
        Id and its data the record's fields. Records sharing a timestamp are each reported
        once (see :mod:`workbench.connectors.salesforce.changes`).

        Args:
            sobject: the object's API name, such as ``Account``
            fields: the fields each event carries, a list or comma-separated (default:
                every field of the object)
            since: where to start when there is no marker yet (default: now), such as
                ``2024-05-01T00:00:00Z``
            interval: seconds between two looks
            include_deleted: read through queryAll, so deleted records are reported too
            max_events: stop after this many events (None: never)
            timeout: stop after this many seconds with nothing new (None: never)
        """
        label = f"{self.connection}.changed_records"
        name = _sobject(label, sobject)
        if interval <= 0:
            raise ActionArgumentError(f"{label}: interval must be more than 0 seconds")
        if max_events is not None and max_events < 1:
            raise ActionArgumentError(f"{label}: max_events must be 1 or more, got {max_events}")
        if since is not None:
            from workbench.connectors.salesforce.soql import SoqlError, literal

            try:
                literal(since)
            except SoqlError:
                raise ActionArgumentError(
                    f"{label}: since must be a datetime such as 2024-05-01T00:00:00Z, got {since!r}"
                ) from None
        if isinstance(fields, str):
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        chosen = list(fields) if fields else self.describe(name).df["name"].tolist()
        kind = "queryAll" if include_deleted else "query"
        feed = ChangeFeed(
            lambda soql: self._records(label, kind, soql, None)[0],
            name,
            ["Id", *chosen],
            self.trigger_state,
            label,
            start=since,
            include_deleted=include_deleted,
        )
        return follow(feed, interval=interval, max_events=max_events, timeout=timeout)

    # -- plumbing ----------------------------------------------------------------------

    def _query(self, kind: str, soql: str, max_items: int | None) -> Result:
        label = f"{self.connection}.{'query_all' if kind == 'queryAll' else 'query'}"
        if not soql.strip():
            raise ActionArgumentError(f"{label}: give a SOQL query (SELECT ... FROM ...)")
        records, last, pages = self._records(label, kind, soql, max_items)
        return Result(frame(records), raw=details(last), pages=pages, sandbox=from_sandbox(last))

    def _records(
        self, label: str, kind: str, soql: str, max_items: int | None
    ) -> tuple[list[dict[str, Any]], httpx.Response, int]:
        """Every record of a query, page after page, with a progress bar."""
        path = f"{self.config.data_path}/{kind}"
        last = self._send(label, "GET", path, params={"q": soql})
        body = last.json()
        records: list[dict[str, Any]] = list(body.get("records") or [])
        pages = 1
        total = body.get("totalSize")
        with progress_bar(total=total if isinstance(total, int) else None, unit=" records") as bar:
            bar.update(len(records))
            while (
                not body.get("done", True)
                and body.get("nextRecordsUrl")
                and (max_items is None or len(records) < max_items)
            ):
                last = self._send(label, "GET", str(body["nextRecordsUrl"]))
                body = last.json()
                page = list(body.get("records") or [])
                records.extend(page)
                pages += 1
                bar.update(len(page))
        if max_items is not None:
            records = records[:max_items]
        return records, last, pages

    def _send(
        self,
        label: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send a request to the org (``body`` as JSON); an error answer (other than the
        statuses in ``allow``) raises SalesforceError."""
        client = self.http()
        if body is not None:
            content = _body(label, body)
        headers = {"Content-Type": "application/json"} if content is not None else None
        request = client.build_request(
            method, path, params=params, content=content, headers=headers
        )
        answer = send(client, request, label)
        if answer.status_code not in allow:
            check_answer(answer, label)
        return answer

    def _record_path(self, label: str, sobject: str, record_id: str) -> str:
        if not _RECORD_ID.match(record_id or ""):
            raise ActionArgumentError(
                f"{label}: {record_id!r} is not a Salesforce id (15 or 18 letters and digits)"
            )
        return f"{self.config.data_path}/sobjects/{_sobject(label, sobject)}/{record_id}"

    def _result(self, answer: httpx.Response, data: Any) -> Result:
        return Result(data, raw=details(answer), sandbox=from_sandbox(answer))


def _sobject(label: str, name: str) -> str:
    """An API name (``Account``, ``Invoice__c``, ``External_Id__c``), checked."""
    if not _SOBJECT.match(name or ""):
        raise ActionArgumentError(
            f"{label}: {name!r} is not an API name (letters, digits and _, such as Account "
            "or Invoice__c)"
        )
    return name


def _body(label: str, record: Any) -> bytes:
    """A JSON request body; dates and datetimes as ISO 8601, as Salesforce reads them."""
    if not isinstance(record, Mapping):
        raise ActionArgumentError(
            f"{label}: record must be a dict of field values, got {type(record).__name__}"
        )

    def encode(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON-serialisable")

    try:
        return json.dumps(dict(record), default=encode, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ActionArgumentError(f"{label}: record: {exc}") from None
