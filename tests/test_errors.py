"""Errors carry distinct exit codes and helpful messages."""

from __future__ import annotations

from workbench import errors


def test_every_error_class_has_its_own_exit_code_unless_it_refines_another() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, Exception) and c.__module__ == errors.__name__
    ]
    assert all(issubclass(c, errors.WorkbenchError) for c in classes)
    declared = [c.exit_code for c in classes if "exit_code" in vars(c)]
    assert len(declared) == len(set(declared)) >= 8
    assert errors.WorkbenchError.exit_code == 1
    assert errors.SpecError.exit_code == errors.ConfigError.exit_code


def test_unknown_names_suggest_close_matches() -> None:
    err = errors.UnknownConnectorError(
        "sqllite", ["sqlite"], where="workbench.toml: connection 'x'"
    )
    assert str(err) == (
        "workbench.toml: connection 'x': no connector named 'sqllite' is installed; "
        "did you mean 'sqlite'?"
    )
    assert str(errors.UnknownConnectionError("zzz")) == "no connection or connector named 'zzz'"
