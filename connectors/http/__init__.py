"""HTTP connector: any REST API, with bearer, basic or API-key authentication."""

from workbench.connectors.http.config import HttpConfig
from workbench.connectors.http.connector import Http

__all__ = ["Http", "HttpConfig"]
