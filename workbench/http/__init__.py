"""The one place Workbench builds HTTP clients."""

from workbench.http.client import build_client

__all__ = ["build_client"]
