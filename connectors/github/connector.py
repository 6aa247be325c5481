"""The github connector: issues, pull requests and comments from GitHub's official spec.

The actions are generated from ``github.json``, the issues, pull requests, labels,
milestones, repositories and user paths of GitHub's REST API description (see
:mod:`workbench.connectors.github.trim`); every list of them reads all pages through the ``Link``
header. ``issues``, ``pull_requests``, ``create_issue`` and ``comment`` sit on top. An
error answer raises :class:`GitHubError` with GitHub's message and error codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import httpx

from workbench.connectors.github.config import GitHubConfig
from workbench.connectors.github.spec import github_spec
from workbench.sdk import Event, Result, action, trigger
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.http import LinkConfig, LinkPaginator, json_object
from workbench.sdk.openapi import ApiConnector, connector_class

if TYPE_CHECKING:
    import pandas as pd

API_VERSION = "2022-11-28"
PAGE_SIZE = 100
DATE_COLUMNS = ("created_at", "updated_at", "closed_at", "merged_at")
State = Literal["open", "closed", "all"]


class GitHubError(ActionError):
    """GitHub refused a request: ``status`` is the HTTP status, ``codes`` GitHub's error
    codes (``missing_field``, ``already_exists``, ...) and ``documentation_url`` its link.

    Example:
        >>> GitHubError("github: GitHub error 422", status=422, codes=["missing_field"]).codes
        ['missing_field']
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        codes: list[str] | None = None,
        documentation_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.codes = codes or []
        self.documentation_url = documentation_url


def check_answer(response: httpx.Response, connection: str) -> None:
    """Raise :class:`GitHubError` for an error status with GitHub's JSON error body.

    Example:
        >>> import httpx
        >>> request = httpx.Request("POST", "https://api.github.com/repos/o/r/issues")
        >>> body = {"message": "Validation Failed", "errors": [{"resource": "Issue",
        ...         "field": "title", "code": "missing_field"}],
        ...         "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue"}
        >>> check_answer(httpx.Response(422, json=body, request=request), "github")
        Traceback (most recent call last):
        ...
        workbench.connectors.github.connector.GitHubError: github: POST /repos/o/r/issues: GitHub error 422: Validation Failed (Issue.title: missing_field); see https://docs.github.com/rest/issues/issues#create-an-issue
    """  # noqa: E501
    body = json_object(response) if response.status_code >= 400 else None
    if body is None or "message" not in body:
        return
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    codes = [str(e.get("code")) for e in errors if e.get("code")]
    request = response.request
    message = (
        f"{connection}: {request.method} {request.url.path}: GitHub error "
        f"{response.status_code}: {body.get('message')}"
    )
    if errors:
        parts = [
            f"{e.get('resource', '')}.{e.get('field', '')}: {e.get('code') or e.get('message')}"
            for e in errors
        ]
        message += f" ({'; '.join(parts)})"
    url = body.get("documentation_url")
    if url:
        message += f"; see {url}"
    raise GitHubError(message, status=response.status_code, codes=codes, documentation_url=url)


_Generated: type[ApiConnector] = connector_class(github_spec(), "github")


class GitHub(_Generated):  # type: ignore[misc,valid-type]
    """GitHub: issues and pull requests as DataFrames, new issues and comments.

    A connection in workbench.toml, with a personal access token or an app token::

        [connections.github]
        connector = "github"
        token = { secret = "github/token" }

    Example:
        >>> import workbench as wb
        >>> github = wb.connect("github", sandbox=True)
        >>> pulls = github.pull_requests("octocat/Hello-World")
        >>> pulls.df[["number", "state", "user.login"]].values.tolist()
        [[1347, 'open', 'octocat']]
        >>> github.create_issue("octocat/Hello-World", "Found a bug").data["state"]
        'open'
        >>> github.close()
    """

    name = "github"
    title = "GitHub"
    category = "developer"
    auth_kinds = ("bearer",)
    config_model = GitHubConfig
    config: GitHubConfig

    @property
    def events_url(self) -> str:
        """The Payload URL to give a GitHub webhook: the connection's events route."""
        return self.config.events_url

    @trigger
    def events(
        self, max_events: int | None = 100, timeout: float | None = 10.0
    ) -> Iterator[list[Event] | None]:
        """Webhook deliveries (issues, pull requests, pushes), verified by X-Hub-Signature-256.

        Listens on :attr:`events_url` (set the webhook's content type to
        ``application/json``). Each event's id is the ``X-GitHub-Delivery`` (the same when
        GitHub redelivers, so it is stored once) and its type the ``X-GitHub-Event``
        (``issues``, ``push``). A delivery is answered 2xx once it is in the inbox.

        Args:
            max_events: stop after this many events (None: never)
            timeout: stop after this many seconds without a delivery (None: never)

        Example:
            >>> import hashlib, hmac, threading, httpx
            >>> from workbench.connectors.github import GitHub, GitHubConfig
            >>> settings = GitHubConfig(webhook_secret="doc-webhook-secret", events_port=0)
            >>> github = GitHub(settings, connection="doc_github")
            >>> reading = github.events(max_events=1, timeout=5)
            >>> next(reading) is None                    # listening
            True
            >>> body = b'{"action": "opened", "issue": {"number": 7}}'
            >>> mac = hmac.new(b"doc-webhook-secret", body, hashlib.sha256).hexdigest()
            >>> headers = {"X-GitHub-Delivery": "d-1", "X-GitHub-Event": "issues",
            ...            "X-Hub-Signature-256": "sha256=" + mac}
            >>> sender = threading.Thread(
            ...     target=httpx.post, args=(github.events_url,), kwargs={
            ...         "content": body, "headers": headers})
            >>> sender.start()
            >>> batch = next(b for b in reading if b)
            >>> [(e.id, e.type, e.data["issue"]["number"]) for e in batch]
            [('d-1', 'issues', 7)]
            >>> next(reading, "done"); sender.join()     # stored: answered 2xx
            'done'
        """
        config = self.config
        yield from config.receive_events(
            self,
            "github",
            config.webhook_secret,
            setting="webhook_secret",
            max_events=max_events,
            timeout=timeout,
        )

    def build_http_client(self) -> httpx.Client:
        """The generated client with GitHub's media type and API version headers."""
        client: httpx.Client = super().build_http_client()
        client.headers.setdefault("Accept", "application/vnd.github+json")
        client.headers.setdefault("X-GitHub-Api-Version", API_VERSION)
        client.event_hooks["response"].append(lambda r: check_answer(r, self.connection))
        return client

    @action
    def issues(
        self,
        repo: str,
        state: State = "open",
        labels: list[str] | None = None,
        since: str | None = None,
        include_pull_requests: bool = False,
        max_items: int | None = None,
    ) -> Result:
        """A repository's issues, one row each, across every page.

        Dates (``created_at``, ``updated_at``, ``closed_at``) are timestamps; nested
        fields are columns (``user.login``). GitHub counts pull requests as issues: they
        are left out unless asked for.

        Args:
            repo: ``owner/name``
            state: open, closed or all
            labels: only issues with all of these labels
            since: only issues updated at or after this ISO 8601 time
            include_pull_requests: keep the pull requests GitHub lists among the issues
            max_items: stop after this many issues
        """
        owner, name = _repo(repo, f"{self.connection}.issues")
        values: dict[str, Any] = {"owner": owner, "repo": name, "state": state}
        values["per_page"] = PAGE_SIZE
        if labels:
            values["labels"] = ",".join(labels)
        if since:
            values["since"] = since
        if max_items is not None:
            values["max_items"] = max_items
        found = self._op("issues_list_for_repo", **values).data
        records = [r for r in _records(found) if include_pull_requests or "pull_request" not in r]
        return Result(_typed(records))

    @action
    def pull_requests(
        self,
        repo: str,
        state: State = "open",
        base: str | None = None,
        max_items: int | None = None,
    ) -> Result:
        """A repository's pull requests, one row each, across every page.

        Args:
            repo: ``owner/name``
            state: open, closed or all
            base: only pull requests into this branch
            max_items: stop after this many pull requests
        """
        owner, name = _repo(repo, f"{self.connection}.pull_requests")
        values: dict[str, Any] = {"owner": owner, "repo": name, "state": state}
        values["per_page"] = PAGE_SIZE
        if base:
            values["base"] = base
        if max_items is not None:
            values["max_items"] = max_items
        return Result(_typed(_records(self._op("pulls_list", **values).data)))

    @action
    def create_issue(
        self,
        repo: str,
        title: str,
        body: str | None = None,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
    ) -> Result:
        """Open an issue; returns it (``number``, ``html_url``, ...).

        Args:
            repo: ``owner/name``
            title: the issue's title
            body: its text (Markdown)
            labels: label names to set
            assignees: logins to assign
        """
        owner, name = _repo(repo, f"{self.connection}.create_issue")
        values: dict[str, Any] = {"owner": owner, "repo": name, "title": title}
        for key, value in {"body": body, "labels": labels, "assignees": assignees}.items():
            if value is not None:
                values[key] = value
        return self._op("issues_create", raw=True, **values)

    @action
    def comment(self, repo: str, number: int, body: str) -> Result:
        """Comment on an issue or a pull request; returns the comment (``id``, ``html_url``).

        Args:
            repo: ``owner/name``
            number: the issue's or pull request's number
            body: the comment's text (Markdown)
        """
        owner, name = _repo(repo, f"{self.connection}.comment")
        return self._op(
            "issues_create_comment",
            owner=owner,
            repo=name,
            issue_number=number,
            body=body,
            raw=True,
        )

    def _paginate(
        self,
        operation: Any,
        first: httpx.Request,
        label: str,
        auth: httpx.Auth | None,
        max_items: int | None,
        records: str | None = None,
        given: bool = False,
    ) -> Result:
        """Every page, through ``Link`` headers that stay on the API's own origin."""
        from workbench.sdk.http import details, paginate, send
        from workbench.sdk.openapi import rows

        client = self.http()
        found: list[Any] = []
        pages, last = 0, None
        for page in paginate(
            lambda request: send(client, request, label, auth=auth),
            first,
            SameOriginLinks(first.url, records=records),
            max_items=max_items,
        ):
            found.extend(page.records)
            pages, last = page.number, page.response
        return Result(rows(found), raw=details(last) if last else None, pages=pages)

    def _op(self, action_name: str, /, **values: Any) -> Result:
        """Call the generated action ``action_name`` (arguments checked against the spec)."""
        spec = self.action_specs[action_name]
        positional, _ = spec.bind(f"{self.connection}.{action_name}", (), values)
        result: Result = self._call_operation(spec, positional[0])
        return result


class SameOriginLinks(LinkPaginator):
    """``Link: <...>; rel="next"`` pages, followed only on the first page's origin, each once.

    GitHub's links always point at the API itself; a link elsewhere (a mock server
    answering with the spec's example header, say) or back to a page already read ends
    the read.

    Example:
        >>> import httpx
        >>> first = httpx.URL("http://127.0.0.1:8080/repos/o/r/issues")
        >>> links = SameOriginLinks(first)
        >>> request = httpx.Request("GET", first)
        >>> def answer(link):
        ...     return httpx.Response(200, headers={"Link": f'<{link}>; rel="next"'})
        >>> str(links.next_request(request, answer("/repos/o/r/issues?page=2"), [{}], [{}]).url)
        'http://127.0.0.1:8080/repos/o/r/issues?page=2'
        >>> links.next_request(request, answer("https://api.github.com/x?page=2"), [{}], [{}])
        >>> links.next_request(request, answer("/repos/o/r/issues?page=2"), [{}], [{}])
    """

    def __init__(self, first: httpx.URL, records: str | None = None) -> None:
        super().__init__(LinkConfig(records=records))
        self.origin = (first.scheme, first.host, first.port)
        self.followed: set[str] = set()

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        following = super().next_request(request, response, body, records)
        if following is None:
            return None
        url = following.url
        if (url.scheme, url.host, url.port) != self.origin or str(url) in self.followed:
            return None
        self.followed.add(str(url))
        return following


def _repo(repo: str, label: str) -> tuple[str, str]:
    owner, _, name = repo.strip().strip("/").partition("/")
    if not owner or not name or "/" in name:
        raise ActionArgumentError(f"{label}: repo must be 'owner/name', got {repo!r}")
    return owner, name


def _records(data: Any) -> list[dict[str, Any]]:
    if hasattr(data, "to_dict"):
        data = data.to_dict("records")
    return [r for r in data or [] if isinstance(r, dict)]


def _typed(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records flattened into columns, with timestamp dates.

    Example:
        >>> frame = _typed([{"number": 1, "user": {"login": "octocat"},
        ...                  "created_at": "2011-04-22T13:33:48Z", "closed_at": None}])
        >>> frame["user.login"].tolist(), frame["created_at"].dt.year.tolist()
        (['octocat'], [2011])
    """
    import pandas as pd

    frame = pd.json_normalize(records) if records else pd.DataFrame()
    for column in DATE_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    return frame
