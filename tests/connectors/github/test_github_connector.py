"""The github connector against Prism mocking GitHub's official spec, and a local fake for
Link-header paging and GitHub's error answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from prism_mock import CoreValidator, Exchanges, prism_server
from servers import JsonHandler, serve
from specs import SPECS

import workbench as wb
from workbench.connectors.github import GitHub, GitHubError
from workbench.connectors.github.spec import SPEC_FILE
from workbench.connectors.github.trim import trim
from workbench.errors import ActionArgumentError

OFFICIAL = SPECS / "github.com__api.github.com.json"
TOKEN = "ghp_test0123456789abcdef"
REPO = "octocat/Hello-World"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OFFICIAL.read_text())
    return document


@pytest.fixture(scope="module")
def prism(official: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # the shipped part of the official description, as the connector ships it
    with prism_server(trim(official), tmp_path_factory.mktemp("prism")) as url:
        yield url


@pytest.fixture
def github(prism: str) -> Iterator[tuple[GitHub, Exchanges]]:
    exchanges = Exchanges()
    with GitHub(GitHub.config_model(base_url=prism, token=TOKEN), connection="github") as gh:
        exchanges.attach(gh.http())
        yield gh, exchanges


def test_the_shipped_spec_is_part_of_githubs_official_one(official: dict[str, Any]) -> None:
    shipped = json.loads(SPEC_FILE.read_text())
    assert shipped == trim(official)
    assert all(shipped["paths"][p] == official["paths"][p] for p in shipped["paths"])
    assert len(GitHub.action_specs) == 84 + 4


def test_issues_and_pull_requests_are_dataframes(github: tuple[GitHub, Exchanges]) -> None:
    connector, exchanges = github
    pulls = connector.pull_requests(REPO, state="all", base="main").df
    assert pulls[["number", "state", "user.login"]].values.tolist() == [[1347, "open", "octocat"]]
    assert str(pulls["created_at"].dtype).startswith("datetime64")
    issues = connector.issues(REPO, labels=["bug", "ui"], include_pull_requests=True)
    assert issues.df["number"].tolist() == [1347]
    assert connector.issues(REPO).df.empty  # Prism's one issue is a pull request
    assert exchanges.violations() == []
    listed = exchanges.requests("/repos/octocat/Hello-World/issues")[0]
    assert dict(listed.url.params) == {"state": "open", "labels": "bug,ui", "per_page": "100"}
    assert listed.headers["Authorization"] == f"Bearer {TOKEN}"
    assert listed.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_create_issue_and_comment(github: tuple[GitHub, Exchanges]) -> None:
    connector, exchanges = github
    issue = connector.create_issue(REPO, "Found a bug", body="It breaks", labels=["bug"])
    assert issue.data["number"] == 1347
    comment = connector.comment(REPO, 1347, "Fixed in #1348")
    assert "id" in comment.data
    assert exchanges.violations() == []
    (created,) = exchanges.requests("/repos/octocat/Hello-World/issues")
    assert json.loads(created.content) == {
        "title": "Found a bug",
        "body": "It breaks",
        "labels": ["bug"],
    }
    (commented,) = exchanges.requests("/issues/1347/comments")
    assert json.loads(commented.content) == {"body": "Fixed in #1348"}


class _GitHub(JsonHandler):
    """GitHub's Link-header pages and its validation error body."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        page = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
        data = json.dumps([{"number": page, "title": f"issue {page}"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if page < 3:
            base = urlsplit(self.path).path
            self.send_header("Link", f'<{base}?per_page=100&page={page + 1}>; rel="next"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.send_json(
            422,
            {
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
                "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
            },
        )


def test_link_pages_are_followed_and_errors_name_githubs_codes() -> None:
    _GitHub.seen = []
    with serve(_GitHub) as url, GitHub(GitHub.config_model(base_url=url, token=TOKEN)) as gh:
        assert gh.issues("o/r").df["number"].tolist() == [1, 2, 3]
        assert [urlsplit(p).query for p in _GitHub.seen] == [
            "state=open&per_page=100",
            "per_page=100&page=2",
            "per_page=100&page=3",
        ]
        assert gh.issues("o/r", max_items=2).df["number"].tolist() == [1, 2]
        with pytest.raises(GitHubError, match=r"GitHub error 422: Validation Failed") as caught:
            gh.create_issue("o/r", "")
    assert caught.value.codes == ["missing_field"]
    assert TOKEN not in str(caught.value)


def test_repo_must_be_owner_and_name() -> None:
    with pytest.raises(ActionArgumentError, match="repo must be 'owner/name'"):
        wb.connect("github", sandbox=True).issues("just-a-name")


def test_sandbox_and_catalog() -> None:
    github = wb.connect("github", sandbox=True)
    assert github.comment(REPO, 1, "hi").data["body"]
    catalog = wb.catalog("github")
    row = catalog[catalog["name"] == "github"].iloc[0]
    assert (row["category"], row["actions"]) == ("developer", 88)


def test_openapi_core_accepts_every_friendly_request(
    github: tuple[GitHub, Exchanges], official: dict[str, Any]
) -> None:
    connector, exchanges = github
    connector.issues(REPO, state="all", labels=["bug"], since="2024-01-01T00:00:00Z")
    connector.pull_requests(REPO, base="main")
    connector.create_issue(REPO, "Bug", body="x", labels=["bug"], assignees=["octocat"])
    connector.comment(REPO, 1347, "thanks")
    sent = [r.request for r in exchanges.responses]
    assert len(sent) == 4
    assert CoreValidator(official).errors(sent) == []
