"""Google Sheets connector: the Sheets API v4 from Google's official spec, DataFrames in and out."""

from workbench.connectors.google_sheets.connector import GoogleSheets, GoogleSheetsError

__all__ = ["GoogleSheets", "GoogleSheetsError"]
