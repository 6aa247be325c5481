"""The schedule connector: cron slots as an event source, so schedules are triggers too."""

from workbench.connectors.schedule.connector import Schedule

__all__ = ["Schedule"]
