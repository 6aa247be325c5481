"""What a connector author imports: the base class, decorators, models and results.

Example:
    >>> from workbench.sdk import Connector, ConnectionConfig, Result, action
"""

from workbench.paths import data_dir
from workbench.redaction import redact, register_secret
from workbench.results import Result
from workbench.sdk.action import ActionSpec, action
from workbench.sdk.calls import history
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.connector import Connector
from workbench.sdk.deps import require
from workbench.sdk.event import Event
from workbench.sdk.progress import progress_bar
from workbench.sdk.trigger import TriggerSpec, trigger

__all__ = [
    "ActionSpec",
    "ConnectionConfig",
    "Connector",
    "Event",
    "Result",
    "TriggerSpec",
    "action",
    "data_dir",
    "history",
    "progress_bar",
    "redact",
    "register_secret",
    "require",
    "trigger",
]
