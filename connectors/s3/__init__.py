"""S3 connector: objects in any S3-compatible store, and DataFrames stored as objects."""

from workbench.connectors.s3.config import S3Config
from workbench.connectors.s3.connector import S3

__all__ = ["S3", "S3Config"]
