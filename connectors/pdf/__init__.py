"""PDF connector: a library (no connection) that writes reports of tables, text and images."""

from workbench.connectors.pdf.connector import Pdf

__all__ = ["Pdf"]
