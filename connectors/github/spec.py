"""GitHub's REST API description as the connector reads it: the shipped part, every list
operation paged by the ``Link`` header; read once.

Example:
    >>> github_spec().operations["issues_get"].path
    '/repos/{owner}/{repo}/issues/{issue_number}'
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from workbench.sdk.openapi import ApiSpec, load_spec

SPEC_FILE = Path(__file__).with_name("github.json")
"""The issues, pulls, labels, milestones, repos and user part of GitHub's description."""


def github_document() -> dict[str, Any]:
    """The shipped description, every list operation paged by the ``Link`` header.

    Example:
        >>> op = github_document()["paths"]["/repos/{owner}/{repo}/issues"]["get"]
        >>> op["x-workbench-pagination"]
        {'type': 'link'}
    """
    document: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    parameters = document.get("components", {}).get("parameters", {})
    for item in document["paths"].values():
        operation = item.get("get")
        if not isinstance(operation, dict):
            continue
        names = set()
        for parameter in operation.get("parameters", []):
            ref = parameter.get("$ref", "")
            resolved = parameters.get(ref.rsplit("/", 1)[-1], {}) if ref else parameter
            names.add(resolved.get("name"))
        if "per_page" in names:
            operation["x-workbench-pagination"] = {"type": "link"}
    return document


@cache
def github_spec() -> ApiSpec:
    """The :class:`~workbench.sdk.openapi.ApiSpec` the connector's actions are built on."""
    return load_spec(github_document(), name=SPEC_FILE.name)
