"""HTTP connector: any REST API, with bearer, basic or API-key authentication."""

from connectors.http.config import HttpConfig
from connectors.http.connector import Http

__all__ = ["Http", "HttpConfig"]
