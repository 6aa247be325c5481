"""Cron schedules: slots and misfire policies, and schedules as bindings to them."""
