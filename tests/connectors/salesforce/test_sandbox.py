"""``wb.connect("salesforce")`` with no connection: the sample org, answered in-process."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.connectors.salesforce import Salesforce, SalesforceError


@pytest.fixture
def sandbox() -> Salesforce:
    connector = wb.connect("salesforce")
    assert isinstance(connector, Salesforce)
    return connector


def test_the_connector_is_in_the_catalog_with_its_actions_and_trigger() -> None:
    row = wb.catalog("salesforce").set_index("name").loc["salesforce"]
    assert (row["title"], row["category"], row["actions"], row["triggers"]) == (
        "Salesforce", "crm", 9, 1,
    )  # fmt: skip
    assert sorted(Salesforce.action_specs) == [
        "bulk_query", "create", "delete", "describe", "get", "query", "query_all", "update",
        "upsert",
    ]  # fmt: skip
    assert list(Salesforce.trigger_specs) == ["changed_records"]


def test_without_a_connection_it_answers_from_the_sample_org(sandbox: Salesforce) -> None:
    assert sandbox.config.mode == "sandbox"
    result = sandbox.query("SELECT Name, Owner.Name FROM Account WHERE BillingCountry = 'France'")
    assert result.sandbox is True
    assert result.df.to_dict("records") == [
        {"Name": "Pyramid Construction Inc.", "Owner.Name": "Ada Lovelace"}
    ]
    assert sandbox.check().startswith("sandbox of Salesforce")


def test_changes_in_the_sandbox_last_as_long_as_the_connection(sandbox: Salesforce) -> None:
    made = sandbox.create("Contact", {"LastName": "Hopper", "Email": "grace@navy.example"})
    contact = made.data["id"]
    sandbox.update("Contact", contact, {"Title": "Rear Admiral"})
    assert sandbox.get("Contact", contact, fields=["Title"]).data == {"Title": "Rear Admiral"}
    sandbox.delete("Contact", contact)
    with pytest.raises(SalesforceError, match="ENTITY_IS_DELETED"):
        sandbox.get("Contact", contact)
    assert wb.connect("salesforce").query("SELECT Id FROM Contact").df.shape[0] == 12


def test_bulk_queries_and_describe_work_in_the_sandbox(sandbox: Salesforce) -> None:
    frame = sandbox.bulk_query("SELECT Id, Email FROM Contact", page_size=5).df
    assert len(frame) == 12
    assert "Email" in sandbox.describe("Contact").df["name"].tolist()


def test_the_trigger_reads_the_sample_org_too(sandbox: Salesforce) -> None:
    reading = sandbox.changed_records(sobject="User", fields=["Name"], since="2024-01-01T00:00:00Z")
    batch = next(iter(reading)) or []
    reading.close()
    assert sorted(e.data["Name"] for e in batch) == ["Ada Lovelace", "Grace Hopper"]
