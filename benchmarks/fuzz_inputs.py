"""Fuzzing untrusted input: the properties of tests/security/properties.py, for minutes.

Goal: 0 failures. Each property (workbench.toml files, API specs, manifests, notebooks,
``wb`` arguments) is run in turn, BATCH fresh random examples at a time, until SECONDS
have passed (default 600; the real specs of every size are mutated here, the largest too).
Prints the examples tried and the failures found per property, and each distinct failure
(exception and where it was raised) with its failing example, minimized by hypothesis.
An example running longer than EXAMPLE_SECONDS counts as a failure.

    python benchmarks/fuzz_inputs.py [SECONDS]
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

DURATION = 600.0
BATCH = 25
EXAMPLE_SECONDS = 60
SHOWN = 1500  # characters of a failing example shown


class ExampleTimeout(Exception):
    """An example ran longer than EXAMPLE_SECONDS."""


@dataclass
class Tally:
    """What one property has seen: examples tried, distinct failures (where -> example)."""

    name: str
    tried: int = 0
    seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)
    last: tuple[Any, BaseException] | None = None


def where(exc: BaseException) -> str:
    """The exception's type and the innermost frame of the project that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/workbench/" in f.filename or "/connectors/" in f.filename]
    if not frames:
        return type(exc).__name__
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{type(exc).__name__} at {shown}:{frame.lineno}"


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise ExampleTimeout(f"the example ran longer than {EXAMPLE_SECONDS} s")


def run_batch(prop: Any, tally: Tally) -> None:
    """BATCH new examples of ``prop``; a failure is shrunk and recorded in ``tally``."""
    from hypothesis import HealthCheck, Phase, given, settings

    def example(value: Any) -> None:
        tally.tried += 1
        signal.alarm(EXAMPLE_SECONDS)
        try:
            prop.check(value)
        except BaseException as exc:
            tally.last = (value, exc)
            raise
        finally:
            signal.alarm(0)

    runner = settings(
        max_examples=BATCH,
        deadline=None,
        database=None,
        derandomize=False,
        report_multiple_bugs=False,
        phases=[Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )(given(prop.inputs)(example))
    started = time.monotonic()
    try:
        runner()
    except Exception:
        if tally.last is not None:
            value, exc = tally.last
            key = where(exc)
            if key not in tally.failures:
                shown = repr(value)
                shown = shown[:SHOWN] + ("..." if len(shown) > SHOWN else "")
                tally.failures[key] = (
                    f"{type(exc).__name__}: {str(exc)[:300]}\n    minimized: {shown}"
                )
    finally:
        tally.last = None
        tally.seconds += time.monotonic() - started


def private_environment() -> None:
    """A config, data and secret folder of the run's own, as the tests have."""
    home = Path(tempfile.mkdtemp(prefix="wb-fuzz-home-"))
    os.environ["WORKBENCH_CONFIG_DIR"] = str(home / "config")
    os.environ["WORKBENCH_DATA_DIR"] = str(home / "data")
    os.environ["WORKBENCH_SECRET_BACKEND"] = "file"  # noqa: S105 - a backend name
    os.environ["WORKBENCH_RUN_STORE"] = str(home / "runs.db")
    os.environ.pop("WORKBENCH_SECRET_KEY", None)


def main() -> int:
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else DURATION
    private_environment()
    warnings.simplefilter("ignore")
    import hypothesis
    from security.properties import all_properties

    signal.signal(signal.SIGALRM, _on_alarm)
    properties = all_properties(all_specs=True)
    tallies = {p.name: Tally(p.name) for p in properties}
    print(
        f"fuzzing {len(properties)} properties for {duration:.0f} s "
        f"(hypothesis {hypothesis.__version__}, batches of {BATCH})",
        flush=True,
    )
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        for prop in properties:
            if time.monotonic() >= deadline:
                break
            run_batch(prop, tallies[prop.name])
    print(f"\n{'property':16} {'examples':>9} {'failures':>9} {'seconds':>8}")
    for tally in tallies.values():
        print(f"{tally.name:16} {tally.tried:>9} {len(tally.failures):>9} {tally.seconds:>8.0f}")
    total = sum(len(t.failures) for t in tallies.values())
    print(f"{'total':16} {sum(t.tried for t in tallies.values()):>9} {total:>9}")
    print(f"max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    for tally in tallies.values():
        for key, detail in tally.failures.items():
            print(f"\n[{tally.name}] {key}\n  {detail}")
    print(f"\ngoal (0 failures): {'met' if total == 0 else 'MISSED'}")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
