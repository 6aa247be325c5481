"""The first sandbox call of one action does the work of that action only, not of the spec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import workbench as wb
from tests.specs import SPECS
from workbench.openapi import ApiConnector, load_spec
from workbench.openapi.routes import Router

GITHUB = SPECS / "github.com__api.github.com.json"
SLACK = SPECS / "slack.com.json"


@pytest.fixture(scope="module")
def github() -> type[ApiConnector]:
    return wb.Connector.from_openapi(GITHUB, name="github_first_call")


def test_routing_one_request_compiles_only_the_paths_it_could_match() -> None:
    spec = load_spec(GITHUB)
    router = Router(spec)
    found = router.match("GET", "/repos/octo/hello/issues/7")
    assert found.operation is not None and found.operation.path.endswith("/issues/{issue_number}")
    assert found.params["issue_number"] == "7"
    compiled = [r for r in router._routes if r._pattern is not None]
    assert 0 < len(compiled) < 20 < len(router._routes)


def test_the_first_call_checks_its_own_path_only(github: type[ApiConnector]) -> None:
    client = wb.connect("github_first_call", sandbox=True)
    assert client.meta_root().data is not None
    checker = client._sandbox().checker  # type: ignore[attr-defined]
    assert "openapi" not in vars(checker)  # the whole document was never rebased or wrapped
    assert list(checker._routes) == ["/"]
    client.meta_root()
    assert list(checker._routes) == ["/"]


def test_a_request_to_one_path_is_checked_as_before(github: type[ApiConnector]) -> None:
    client = wb.connect("github_first_call", sandbox=True)
    with pytest.raises(wb.WorkbenchError) as raised:
        client.issues_get(owner="octo", repo="hello", issue_number="seven")  # type: ignore[attr-defined]
    assert "issue_number" in str(raised.value)


def run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_fresh_process_makes_its_first_call_without_building_the_iri_grammar() -> None:
    done = run(
        f"""
        import json, sys
        import workbench as wb
        wb.Connector.from_openapi({str(SLACK)!r}, name="slack")
        data = wb.connect("slack", sandbox=True).api_test().data
        print(json.dumps([isinstance(data, dict), "lark" in sys.modules]))
        """
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, False]


def test_iri_formats_are_still_checked_once_deferred() -> None:
    done = run(
        """
        import json
        from workbench.openapi.iri import defer_iri_grammar
        defer_iri_grammar()
        from jsonschema import FormatChecker
        checker = FormatChecker()
        print(json.dumps([checker.conforms("https://example.com/caf\u00e9", "iri"),
                          checker.conforms("no scheme at all", "iri")]))
        """
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, False]
