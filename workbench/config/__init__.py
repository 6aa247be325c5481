"""Named connections (workbench.toml files), secret resolution and the secret store."""

from workbench.config.entries import ConnectionEntry
from workbench.config.secrets import SecretStore, default_secret_store
from workbench.config.store import ConnectionStore

__all__ = ["ConnectionEntry", "ConnectionStore", "SecretStore", "default_secret_store"]
