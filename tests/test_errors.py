"""Errors carry distinct exit codes and helpful messages."""

from __future__ import annotations

from workbench import errors


def test_every_error_is_a_workbench_error_with_an_exit_code() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type)
        and issubclass(c, Exception)
        and c.__module__ == errors.__name__
        and not c.__name__.startswith("_")
    ]
    assert all(issubclass(c, errors.WorkbenchError) for c in classes)
    codes = {c.__name__: c.exit_code for c in classes}
    assert codes["WorkbenchError"] == 1
    assert len({codes[n] for n in codes if n != "UnknownConnectorError"}) == len(codes) - 1


def test_unknown_names_suggest_close_matches() -> None:
    err = errors.UnknownConnectorError(
        "sqllite", ["sqlite"], where="workbench.toml: connection 'x'"
    )
    assert str(err) == (
        "workbench.toml: connection 'x': no connector named 'sqllite' is installed; "
        "did you mean 'sqlite'?"
    )
    assert str(errors.UnknownConnectionError("zzz")) == "no connection or connector named 'zzz'"
