"""Make ``github.json``: the part of GitHub's official description the connector ships.

GitHub's description of the REST API (``api.github.com.json``, 5.7 MB, 845 operations)
takes seconds to read; the connector ships the paths of issues, pull requests, their
comments and labels, repositories and the signed-in user, with every component they
refer to, unchanged. Run ``python -m workbench.connectors.github.trim PATH`` to regenerate it from
a newer copy of the full description.

Example:
    >>> doc = {"openapi": "3.0.3", "paths": {"/repos/{owner}/{repo}/issues": {"get": {
    ...     "responses": {"200": {"$ref": "#/components/responses/ok"}}}}, "/gists": {}},
    ...     "components": {"responses": {"ok": {"description": "ok"}, "unused": {}}}}
    >>> trimmed = trim(doc)
    >>> list(trimmed["paths"]), list(trimmed["components"]["responses"])
    (['/repos/{owner}/{repo}/issues'], ['ok'])
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

KEPT = re.compile(
    r"^/repos/\{owner\}/\{repo\}(/issues.*|/pulls.*|/labels.*|/assignees.*|/milestones.*)?$"
    r"|^/user$|^/user/repos$|^/orgs/\{org\}/repos$|^/search/issues$"
)
TARGET = Path(__file__).with_name("github.json")


def trim(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with only the kept paths and the components they refer to."""
    paths = {p: item for p, item in document.get("paths", {}).items() if KEPT.match(p)}
    dropped = ("paths", "components", "webhooks", "x-webhooks")  # webhooks: not API calls
    out = {k: v for k, v in document.items() if k not in dropped}
    out["paths"] = paths
    components: dict[str, dict[str, Any]] = {}
    todo: list[Any] = [paths]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/") and ref not in seen:
                seen.add(ref)
                _, _, kind, name = ref.split("/", 3)
                target = document["components"][kind][name]
                components.setdefault(kind, {})[name] = target
                todo.append(target)
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    if "securitySchemes" in document.get("components", {}):
        components["securitySchemes"] = document["components"]["securitySchemes"]
    out["components"] = {kind: dict(sorted(c.items())) for kind, c in sorted(components.items())}
    return out


def main(source: str) -> None:
    """Write :data:`TARGET` from the full description at ``source``."""
    document = json.loads(Path(source).read_text(encoding="utf-8"))
    TARGET.write_text(json.dumps(trim(document), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
