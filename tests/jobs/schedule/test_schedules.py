"""Schedules: every value checked when added, slots in the schedule's timezone, the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from workers import write_notebook

from workbench.config.secrets import default_secret_store
from workbench.errors import ConfigError, JobError, ParameterError, UnknownConnectionError
from workbench.jobs.run.parameters import CommandLineText
from workbench.jobs.run.record import utc_now
from workbench.jobs.run.store import RunStore
from workbench.jobs.schedule.schedules import Schedule, ScheduleStore, check_cron, new_schedule


@pytest.fixture
def etl(project: Path) -> Path:
    return write_notebook(
        project / "jobs" / "etl.ipynb",
        'connection = "shop"\nlimit = 10\ndry_run = False',
        "print(connection, limit, dry_run)",
    )


def test_new_schedule_converts_command_line_values_to_the_declared_types(etl: Path) -> None:
    schedule = new_schedule(
        etl,
        cron="*/5 * * * *",
        tz="Europe/Paris",
        parameters={"limit": CommandLineText("25"), "dry_run": CommandLineText("true")},
        retries=2,
        timeout=60,
        catch_up="all",
    )
    assert schedule.name == "etl"
    assert schedule.notebook == str(etl.resolve())
    assert schedule.parameters == {"limit": 25, "dry_run": True}
    assert (schedule.retries, schedule.timeout, schedule.catch_up) == (2, 60.0, "all")


def test_a_parameter_the_notebook_does_not_declare_is_refused_with_a_suggestion(etl: Path) -> None:
    with pytest.raises(ParameterError, match=r"has no parameter 'limt'; did you mean 'limit'\?"):
        new_schedule(etl, cron="@daily", parameters={"limt": 5})
    with pytest.raises(ParameterError, match="parameter 'limit' expects an int"):
        new_schedule(etl, cron="@daily", parameters={"limit": CommandLineText("many")})


def test_a_secret_value_as_a_parameter_is_refused_without_showing_it(etl: Path) -> None:
    default_secret_store().set("shop/password", "pa55-w0rd-for-shop")
    with pytest.raises(ParameterError) as caught:
        new_schedule(etl, cron="@daily", parameters={"connection": "pa55-w0rd-for-shop"})
    assert "holds a secret value" in str(caught.value)
    assert "pa55-w0rd-for-shop" not in str(caught.value)


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("* * *", "expected 5 fields (minute hour day month weekday) or 6 (second first), got 3"),
        ("61 * * * *", "not a valid cron expression"),
        ("* * * * * * * *", "got 8"),
    ],
)
def test_a_bad_cron_expression_is_named_with_what_is_wrong(cron: str, expected: str) -> None:
    with pytest.raises(ConfigError, match="--cron") as caught:
        check_cron(cron)
    assert expected in str(caught.value)


def test_bad_options_are_named(etl: Path) -> None:
    with pytest.raises(ConfigError, match=r"--tz 'Mars/Olympus': not a known timezone"):
        new_schedule(etl, cron="@daily", tz="Mars/Olympus")
    with pytest.raises(ConfigError, match="--catch-up: expected one of all, latest, none"):
        new_schedule(etl, cron="@daily", catch_up="some")
    with pytest.raises(ConfigError, match="--retries"):
        new_schedule(etl, cron="@daily", retries=-1)
    with pytest.raises(ConfigError, match="--timeout"):
        new_schedule(etl, cron="@daily", timeout=0)
    with pytest.raises(ConfigError, match="--name 'no spaces'"):
        new_schedule(etl, cron="@daily", name="no spaces")
    with pytest.raises(JobError, match=r"missing\.ipynb: no such notebook"):
        new_schedule("missing.ipynb", cron="@daily")
    with pytest.raises(UnknownConnectionError, match="--on-failure: no connection"):
        new_schedule(etl, cron="@daily", on_failure="nowhere")


def test_six_fields_put_the_second_first() -> None:
    every_20s = Schedule("s", "s.ipynb", "*/20 * * * * *")
    start = datetime(2024, 1, 1, 10, 0, 0, tzinfo=UTC)
    slots = every_20s.slots(start, start + timedelta(minutes=1))
    assert [s.strftime("%M:%S") for s in slots] == ["00:20", "00:40", "01:00"]
    assert every_20s.latest_slot(start + timedelta(seconds=39.9)).second == 20


def test_slots_follow_the_timezone_across_a_daylight_saving_change() -> None:
    paris = Schedule("s", "s.ipynb", "30 7 * * *", tz="Europe/Paris")
    start = datetime(2024, 3, 29, tzinfo=UTC)
    slots = paris.slots(start, start + timedelta(days=4))
    # 07:30 in Paris is 06:30 UTC in winter and 05:30 UTC from 31 March (summer time)
    assert [s.strftime("%d %H:%M") for s in slots] == [
        "29 06:30",
        "30 06:30",
        "31 05:30",
        "01 05:30",
    ]


def test_the_store_adds_lists_pauses_resumes_and_removes(store: RunStore, etl: Path) -> None:
    schedules = ScheduleStore(store)
    added = new_schedule(etl, cron="@hourly", parameters={"limit": 3})
    schedules.add(added)
    with pytest.raises(ConfigError, match="a schedule named 'etl' already exists"):
        schedules.add(added)
    assert schedules.get("etl") == added
    assert schedules.pause("etl").paused
    assert schedules.list(active=True) == []
    before = utc_now()
    resumed = schedules.resume("etl")
    assert not resumed.paused and resumed.since >= before
    assert [s.name for s in schedules.list(active=True)] == ["etl"]
    schedules.remove("etl")
    with pytest.raises(JobError, match="no schedule named 'etl'"):
        schedules.get("etl")
