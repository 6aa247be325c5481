"""SOQL queries: every nextRecordsUrl page, flat DataFrames, queryAll, progress, errors."""

from __future__ import annotations

import pandas as pd
import pytest
from fake_salesforce import FakeSalesforce

from workbench.connectors.salesforce import Salesforce, SalesforceError
from workbench.sdk.progress import progress_listener

ACCOUNTS = "SELECT Id, Name, Owner.Name, Owner.Email FROM Account ORDER BY Name"


def test_a_query_follows_next_records_url_to_the_last_page(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    result = crm.query(ACCOUNTS)
    assert result.pages == 3  # the fake's pages hold 5 records; there are 12 accounts
    assert len(result.df) == 12
    assert result.df["Id"].is_unique
    paths = [path for _, _, path, _ in fake.api_calls("GET")]
    assert paths[0] == "/services/data/v62.0/query"
    assert all(p.startswith("/services/data/v62.0/query/01g") for p in paths[1:])
    assert len(paths) == 3


def test_attributes_are_dropped_and_relationships_become_dotted_columns(crm: Salesforce) -> None:
    frame = crm.query(ACCOUNTS).df
    assert frame.columns.tolist() == ["Id", "Name", "Owner.Name", "Owner.Email"]
    dickenson = frame[frame["Name"] == "Dickenson plc"].iloc[0]
    assert (dickenson["Owner.Name"], dickenson["Owner.Email"]) == (
        "Grace Hopper", "grace@acme.example",
    )  # fmt: skip
    orphan = frame[frame["Name"] == "DICKENSON PLC"].iloc[0]  # no owner: a null relationship
    assert pd.isna(orphan["Owner.Name"])


def test_max_items_stops_reading_pages(crm: Salesforce, fake: FakeSalesforce) -> None:
    result = crm.query(ACCOUNTS, max_items=4)
    assert len(result.df) == 4
    assert result.pages == 1
    assert len(fake.api_calls("GET")) == 1


def test_the_progress_of_a_long_query_is_reported_page_by_page(crm: Salesforce) -> None:
    seen: list[tuple[int, int | None]] = []
    with progress_listener(lambda done, total: seen.append((done, total))):
        crm.query(ACCOUNTS)
    assert seen == [(5, 12), (10, 12), (12, 12)]


def test_query_all_also_finds_deleted_records(crm: Salesforce) -> None:
    doomed = crm.query("SELECT Id FROM Account WHERE Name = 'sForce'").df["Id"].item()
    crm.delete("Account", doomed)
    soql = "SELECT Id, Name, IsDeleted FROM Account WHERE Name = 'sForce'"
    assert crm.query(soql).df.empty
    deleted = crm.query_all(soql).df
    assert deleted[["Id", "IsDeleted"]].values.tolist() == [[doomed, True]]


def test_an_unknown_field_raises_salesforces_invalid_field(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match=r"INVALID_FIELD.*No such column 'Nmae'") as caught:
        crm.query("SELECT Nmae FROM Account")
    assert (caught.value.code, caught.value.status) == ("INVALID_FIELD", 400)
    assert caught.value.errors[0]["errorCode"] == "INVALID_FIELD"


def test_an_unknown_sobject_and_a_malformed_query_name_their_codes(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match="INVALID_TYPE") as unknown:
        crm.query("SELECT Id FROM Acount")
    assert "no sObject of that name" in str(unknown.value)
    with pytest.raises(SalesforceError) as malformed:
        crm.query("SELECT FROM Account")
    assert malformed.value.code == "MALFORMED_QUERY"
