"""Known secret values are masked in text, nested values and log records."""

from __future__ import annotations

import logging

import pytest

from workbench.redaction import get_logger, redact, redact_value, register_secret


def test_registered_values_are_masked_longest_first() -> None:
    register_secret("abcd1234")
    register_secret("abcd1234-extended")
    assert redact("x abcd1234-extended y abcd1234") == "x *** y ***"


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    assert redact("ab cab") == "ab cab"


def test_nested_values_are_redacted() -> None:
    register_secret("nested-secret-7")
    value = {"a": ["nested-secret-7", 3], "nested-secret-7": ("x",)}
    assert redact_value(value) == {"a": ["***", 3], "***": ("x",)}


def test_logger_masks_messages_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("log-secret-42")
    logger = get_logger("workbench.test")
    with caplog.at_level(logging.INFO, logger="workbench.test"):
        logger.info("token=%s", "log-secret-42")
    assert caplog.messages == ["token=***"]
    assert "log-secret-42" not in caplog.text
