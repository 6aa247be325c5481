"""Results of actions: Python data, a pandas DataFrame, and a rich display."""

from workbench.results.result import Result

__all__ = ["Result"]
