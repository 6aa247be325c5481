"""Every bad input gets its documented error and exit code, never a traceback: random and
mutated workbench.toml files, specs, manifests, notebooks and ``wb`` arguments (the
properties of :mod:`properties`, a bounded number of examples each, reproducibly)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from security.properties import Property, all_properties

EXAMPLES = 50
PROPERTIES = {p.name: p for p in all_properties()}


def bounded(prop: Property) -> Any:
    """``prop`` as a test: EXAMPLES examples, the same ones on every run."""
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(given(prop.inputs)(prop.check))


@pytest.mark.slow
def test_config_files_fail_with_a_config_error_or_load() -> None:
    bounded(PROPERTIES["config_files"])()


@pytest.mark.slow
def test_specs_fail_with_a_spec_error_or_load_and_answer() -> None:
    bounded(PROPERTIES["specs"])()


@pytest.mark.slow
def test_manifests_fail_with_a_spec_error_or_load_and_answer() -> None:
    bounded(PROPERTIES["manifests"])()


@pytest.mark.slow
def test_notebooks_fail_with_a_job_error_or_prepare() -> None:
    bounded(PROPERTIES["notebooks"])()


@pytest.mark.slow
def test_wb_arguments_end_with_their_documented_exit_code() -> None:
    bounded(PROPERTIES["cli_arguments"])()
