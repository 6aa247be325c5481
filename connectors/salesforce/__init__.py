"""Salesforce connector: SOQL to DataFrames, records, describe, Bulk API 2.0 and changed records."""

from workbench.connectors.salesforce.config import SalesforceConfig
from workbench.connectors.salesforce.connector import Salesforce
from workbench.connectors.salesforce.errors import SalesforceError

__all__ = ["Salesforce", "SalesforceConfig", "SalesforceError"]
