"""Run records: sortable ids, endings, the errors and exit codes they map to."""

from __future__ import annotations

import json
import time

import pytest

from workbench.errors import (
    JobError,
    JobFailedError,
    JobTimeoutError,
    KernelDiedError,
    ParameterError,
)
from workbench.jobs.run.record import Run, Status, new_run_id


def test_ids_are_unique_uuid7_and_sort_by_creation_time() -> None:
    ids = []
    for _ in range(5):
        ids.append(new_run_id())
        time.sleep(0.002)
    burst = [new_run_id() for _ in range(10_000)]  # many in the same millisecond
    assert sorted(ids) == ids and sorted(burst) == burst and ids[-1] < burst[0]
    assert len(set(burst)) == len(burst)
    assert all(i[14] == "7" and i[19] in "89ab" for i in ids + burst)


def test_a_run_moves_from_queued_to_running_to_an_ending_with_a_duration() -> None:
    run = Run.new("etl.ipynb", job="etl", parameters={"day": "2024-01-01"})
    assert run.status is Status.QUEUED and not run.status.finished and run.error() is None
    run.start()
    assert run.status is Status.RUNNING and run.worker and run.started_at is not None
    time.sleep(0.01)
    run.finish(Status.SUCCEEDED)
    assert run.status.finished and run.exit_code == 0 and run.duration is not None
    assert run.duration >= 0.01
    run.raise_for_status()
    record = run.to_dict()
    assert json.loads(json.dumps(record)) == record
    assert record["status"] == "succeeded" and record["started_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("status", "exit_code", "error"),
    [
        (Status.FAILED, 12, JobFailedError),
        (Status.FAILED, 10, JobError),
        (Status.TIMED_OUT, 13, JobTimeoutError),
        (Status.KILLED, 14, KernelDiedError),
    ],
)
def test_each_bad_ending_raises_its_own_error_and_exit_code(
    status: Status, exit_code: int, error: type[JobError]
) -> None:
    run = Run.new("etl.ipynb", job="etl")
    run.start()
    run.finish(status, exit_code=exit_code, error_class="Boom", error_message="it broke")
    with pytest.raises(error) as caught:
        run.raise_for_status()
    assert type(caught.value) is error
    assert caught.value.exit_code == exit_code and caught.value.run_id == run.id
    assert f"run {run.id} of etl.ipynb" in str(caught.value)


def test_exit_codes_of_job_errors_are_distinct() -> None:
    codes = [
        e.exit_code
        for e in (JobError, ParameterError, JobFailedError, JobTimeoutError, KernelDiedError)
    ]
    assert codes == [10, 11, 12, 13, 14]


def test_finish_refuses_unknown_details() -> None:
    run = Run.new("etl.ipynb", job="etl")
    with pytest.raises(TypeError, match="unexpected detail 'colour'"):
        run.finish(Status.FAILED, colour="red")
