"""Trigger bindings for the Jobs view: listed, and a notebook bound to a trigger.

The same store ``wb trigger`` uses (:class:`~workbench.triggers.bindings.BindingStore`),
without the schedules (the Jobs view lists those apart).

Example:
    >>> isinstance(binding_rows(), list)
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.jobs.run.store import default_store
from workbench.jobs.schedule.schedules import CONNECTION
from workbench.lab.notebooks import given_parameters, notebook_path
from workbench.lab.problems import Problem
from workbench.triggers.bind import new_binding
from workbench.triggers.bindings import Binding, BindingStore


def binding_row(binding: Binding) -> dict[str, Any]:
    """A binding as JSON, with its state (``active`` or ``paused``)."""
    row: dict[str, Any] = binding.to_dict()
    row["state"] = "paused" if binding.paused else "active"
    row["on"] = binding.on
    row["source"] = binding.source
    return row


def binding_rows() -> list[dict[str, Any]]:
    """Every trigger binding (schedules left out), by name."""
    found = BindingStore(default_store()).list()
    return [binding_row(b) for b in found if b.connection != CONNECTION]


def add_binding(root: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Bind ``body["notebook"]`` to ``body["on"]`` (``CONNECTION.TRIGGER``); ``inputs``
    holds the trigger's inputs and event filters, ``parameters`` the notebook's."""
    on = body.get("on")
    if not isinstance(on, str) or not on.strip():
        raise Problem(400, "on: expected CONNECTION.TRIGGER, such as shop_hooks.received")
    inputs = body.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise Problem(400, f"inputs: expected a JSON object, got {type(inputs).__name__}")
    name = body.get("name") or None
    if not (name is None or isinstance(name, str)):
        raise Problem(400, "name: expected a text")
    binding = new_binding(
        notebook_path(root, body.get("notebook")),
        on.strip(),
        inputs,
        name=name,
        parameters=given_parameters(body),
    )
    BindingStore(default_store()).add(binding)
    return binding_row(binding)
