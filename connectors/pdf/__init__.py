"""PDF connector: a library (no connection) that writes reports of tables, text and images."""

from connectors.pdf.connector import Pdf

__all__ = ["Pdf"]
