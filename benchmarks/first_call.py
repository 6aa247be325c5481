"""The first sandbox call of an imported API's action against later calls plus building that
action's models, for the Slack, GitHub and Stripe specs.

Each figure comes from a fresh process per service (nothing cached carries over): the
connector class is generated from the spec, then one action is called in the sandbox
(`wb.connect(name, sandbox=True)`): the first call, then the median of later calls. Another
fresh process times building that action's models alone (signature, types, input model).
A third repeats the first call with openapi-core (the request validator) imported
beforehand, to show how much of the first call is that library's own import.
Goal: the first call under 200 ms for Slack and GitHub; the ratio is
first / (later + models), 1.0 when the first call does nothing beyond them.

    python benchmarks/first_call.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SPECS = Path(
    os.environ.get("WORKBENCH_SPECS", Path(__file__).resolve().parents[2] / "shared/specs")
)
SERVICES = {
    "slack": ("slack.com.json", "conversations_list", {"limit": 5}),
    "github": (
        "github.com__api.github.com.json",
        "issues_get",
        {"owner": "octo", "repo": "hello", "issue_number": 7},
    ),
    "stripe": ("stripe.com.json", "get_customers", {"limit": 3}),
}
GOAL_MS = 200.0
GOALS = ("slack", "github")
LATER = 15
HOME = Path(tempfile.mkdtemp(prefix="wb-bench-"))
ENV = {
    **os.environ,
    "WORKBENCH_CONFIG_DIR": str(HOME / "config"),
    "WORKBENCH_DATA_DIR": str(HOME / "data"),
    "WORKBENCH_SECRET_BACKEND": "file",
}

CALLS = """
import json, statistics, sys, time
{preload}
import workbench as wb
wb.Connector.from_openapi(sys.argv[1], name=sys.argv[2])
client = wb.connect(sys.argv[2], sandbox=True)
action, arguments = getattr(client, sys.argv[3]), json.loads(sys.argv[4])
started = time.perf_counter()
action(**arguments)
first = time.perf_counter() - started
later = []
for _ in range({later}):
    started = time.perf_counter()
    action(**arguments)
    later.append(time.perf_counter() - started)
print(json.dumps({{"first": first * 1000, "later": statistics.median(later) * 1000}}))
"""
MODELS = """
import json, sys, time
import workbench as wb
cls = wb.Connector.from_openapi(sys.argv[1], name=sys.argv[2])
spec = cls.action_specs[sys.argv[3]]
started = time.perf_counter()
spec.signature, spec.input_model, spec.input_model.model_json_schema()
print(json.dumps({"models": (time.perf_counter() - started) * 1000}))
"""


def child(script: str, service: str) -> dict[str, float]:
    file, action, arguments = SERVICES[service]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(script),
            str(SPECS / file),
            service,
            action,
            json.dumps(arguments),
        ],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{service}: {done.stderr.strip()[-500:]}")
    found: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return found


def main() -> int:
    ok = True
    print(
        f"{'service':8} {'action':20} {'first':>9} {'later':>8} {'models':>8} {'ratio':>6} "
        f"{'first, validator imported':>26}"
    )
    for service, (_, action, _) in SERVICES.items():
        calls = child(CALLS.format(preload="", later=LATER), service)
        models = child(MODELS, service)["models"]
        warm = child(CALLS.format(preload="import openapi_core", later=1), service)["first"]
        ratio = calls["first"] / (calls["later"] + models)
        print(
            f"{service:8} {action:20} {calls['first']:7.1f}ms {calls['later']:6.1f}ms "
            f"{models:6.1f}ms {ratio:6.1f} {warm:24.1f}ms"
        )
        if service in GOALS:
            met = calls["first"] < GOAL_MS
            ok &= met
    print(
        f"goal (first call under {GOAL_MS:.0f} ms for {' and '.join(GOALS)}): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
