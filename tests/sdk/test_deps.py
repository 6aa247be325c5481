"""Optional drivers fail with the exact install hint."""

from __future__ import annotations

import pytest

from workbench.errors import MissingDependencyError
from workbench.sdk import require


def test_present_module_is_returned() -> None:
    assert require("json", "core").dumps([]) == "[]"


def test_missing_module_names_the_extra_to_install() -> None:
    with pytest.raises(MissingDependencyError) as info:
        require("surely_not_installed_driver.sub", "postgres")
    assert str(info.value) == (
        "the optional package 'surely_not_installed_driver' is not installed; "
        "install it with: pip install 'workbench[postgres]'"
    )
    assert info.value.exit_code == 9
