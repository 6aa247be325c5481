"""Azure Functions connector: call HTTP-triggered functions with a function key."""

from workbench.connectors.azure_functions.config import AzureFunctionsConfig
from workbench.connectors.azure_functions.connector import AzureFunctions

__all__ = ["AzureFunctions", "AzureFunctionsConfig"]
