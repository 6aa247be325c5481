"""Opening the workbench panel on the Slack connector, against a plain ipywidgets Select.

The Slack Web API description (../shared/specs) is imported as the connector ``slack``;
``ui("slack")`` then opens a fresh panel: connection list, the searchable list of every
action ("name — summary"), buttons, tabs. The first call in the process (cold) is timed
on its own, then the median of REPEAT more. Baseline, measured in the same run: building
one ``ipywidgets.Select`` holding the same option labels. Goal: under 500 ms, cold.

    python benchmarks/panel_open.py [REPEAT]      # WORKBENCH_SPECS=folder to override
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOAL_MS = 500.0
SPECS = Path(os.environ.get("WORKBENCH_SPECS", Path(__file__).parents[2] / "shared" / "specs"))
FORM_ACTION = "chat_post_message"
SPEC_FILES = ("slack.com.json", "slack_web_openapi_v2__swagger2.json")


def timed_ms(function: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def median_ms(function: Callable[[], Any], repeat: int) -> float:
    return statistics.median(timed_ms(function) for _ in range(repeat))


def measure(spec: Path, repeat: int, name: str) -> tuple[int, float, float, float, float | None]:
    """Actions, then ms: cold panel, median panel, median baseline, first form (if any)."""
    import ipywidgets as widgets

    import workbench as wb
    from workbench.notebook.widgets.panel import ui

    connector = wb.Connector.from_openapi(spec, name=name)
    labels = [
        (f"{n} — {s.summary}" if s.summary else n, n) for n, s in connector.action_specs.items()
    ]
    cold = timed_ms(lambda: ui(name))
    panel = median_ms(lambda: ui(name), repeat)
    baseline = median_ms(lambda: widgets.Select(options=labels, rows=10), repeat)
    form = None
    if FORM_ACTION in connector.action_specs:  # the first form: its input model is built here
        form = timed_ms(lambda: ui(name, FORM_ACTION))
    return len(labels), cold, panel, baseline, form


def main() -> int:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    specs = [SPECS / f for f in SPEC_FILES if (SPECS / f).is_file()]
    if not specs:
        print(f"no Slack spec in {SPECS}")
        return 1
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as folder:
        # A private project and config folder: the user's connections play no part.
        os.environ["WORKBENCH_CONFIG_DIR"] = os.path.join(folder, "config")
        os.chdir(folder)
        return run(specs, repeat)


def run(specs: list[Path], repeat: int) -> int:
    started = time.perf_counter()
    import ipywidgets  # noqa: F401 - imported before timing, as in a notebook with widgets

    import workbench.notebook.widgets.panel  # noqa: F401

    print(f"import ipywidgets + panel module: {(time.perf_counter() - started) * 1000:8.1f} ms")
    worst = 0.0
    for number, spec in enumerate(specs):
        actions, cold, panel, baseline, form = measure(spec, repeat, f"slack{number or ''}")
        worst = max(worst, cold)
        print(f"\nspec:                            {spec.name} ({actions} actions)")
        print(f"baseline: ipywidgets.Select:     {baseline:8.1f} ms (median of {repeat})")
        print(f"ui(): first, cold:               {cold:8.1f} ms")
        print(f"ui(): median of {repeat:<3}              {panel:8.1f} ms")
        print(f"ratio panel / baseline:          {panel / baseline:8.1f}x")
        if form is not None:
            print(f"ui(..., {FORM_ACTION!r}) first: {form:6.1f} ms (the form built)")
    ok = worst < GOAL_MS
    print(
        f"\ngoal (open under {GOAL_MS:.0f} ms, cold): {worst:.1f} ms, {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
