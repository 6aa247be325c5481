"""Files connector: CSV, JSON, JSON lines, Parquet and Excel files in a folder."""

from connectors.files.connector import Files, FilesConfig

__all__ = ["Files", "FilesConfig"]
