"""Slack connector: the Web API from Slack's official spec, with friendly actions on top."""

from workbench.connectors.slack.config import SlackConfig
from workbench.connectors.slack.connector import Slack
from workbench.connectors.slack.errors import SlackError

__all__ = ["Slack", "SlackConfig", "SlackError"]
