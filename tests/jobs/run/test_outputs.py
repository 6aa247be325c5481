"""The executed notebook: its first error found, every text redacted before it is written."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbench.jobs.run.outputs import first_error, redact_notebook, write_notebook
from workbench.redaction import register_secret

SECRET = "0utput-canary-9f1d"


def executed_notebook() -> nbformat.NotebookNode:
    params = new_code_cell(f'token_name = "{SECRET}"')
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell(f'token_name = "{SECRET}"')
    injected.metadata["tags"] = ["injected-parameters"]
    shown = new_code_cell("print(token); token")
    shown.outputs = [
        new_output("stream", name="stdout", text=f"token={SECRET}\n"),
        new_output(
            "execute_result",
            data={"text/plain": f"'{SECRET}'", "application/json": {"token": [SECRET]}},
            execution_count=1,
        ),
        new_output("display_data", data={"text/html": f"<b>{SECRET}</b>"}),
    ]
    failing = new_code_cell(f"\n\n  raise ValueError(token)  # {SECRET}\nmore()")
    failing.outputs = [
        new_output(
            "error",
            ename="ValueError",
            evalue=f"bad token {SECRET}",
            traceback=["\x1b[0;31mValueError\x1b[0m", f"\x1b[0;31mValueError\x1b[0m: {SECRET}"],
        )
    ]
    nb = new_notebook(cells=[new_markdown_cell(SECRET), params, injected, shown, failing])
    nb.metadata["papermill"] = {"parameters": {"token_name": SECRET}}
    return nb


def test_every_text_of_the_notebook_is_redacted(tmp_path: Path) -> None:
    register_secret(SECRET)
    path = tmp_path / "out" / "run.ipynb"
    write_notebook(executed_notebook(), path)
    text = path.read_text()
    assert SECRET not in text
    written = nbformat.read(path, as_version=4)
    assert written.cells[3].outputs[0].text == "token=***\n"
    assert written.cells[3].outputs[1].data["application/json"] == {"token": ["***"]}
    assert written.cells[4].outputs[0].traceback[1].endswith(": ***")
    assert written.metadata.papermill.parameters == {"token_name": "***"}
    assert [p.name for p in tmp_path.joinpath("out").iterdir()] == ["run.ipynb"]


def test_the_first_error_counts_cells_as_written_and_redacts() -> None:
    register_secret(SECRET)
    error = first_error(executed_notebook())
    assert error is not None
    assert error.index == 3  # the injected cell is not one of the notebook's own
    assert error.ename == "ValueError" and error.evalue == "bad token ***"
    assert error.first_line == "raise ValueError(token)  # ***"


def test_a_clean_exit_is_no_error_but_a_nonzero_one_is() -> None:
    cell = new_code_cell("raise SystemExit(0)")
    cell.outputs = [new_output("error", ename="SystemExit", evalue="0", traceback=[])]
    assert first_error(new_notebook(cells=[cell])) is None
    cell.outputs[0].evalue = "3"
    assert first_error(new_notebook(cells=[cell])) is not None


def test_text_without_secrets_is_left_as_it_is() -> None:
    register_secret(SECRET)
    cell = new_code_cell("print('plain')")
    cell.outputs = [new_output("stream", name="stdout", text="plain *** text\n")]
    nb = new_notebook(cells=[cell])
    before = nbformat.writes(nb)
    assert nbformat.writes(redact_notebook(nb)) == before
