"""sObject records: get, create, update, upsert (201 created, 200 updated), delete, describe."""

from __future__ import annotations

from datetime import date

import pytest
from fake_salesforce import FakeSalesforce

from workbench.connectors.salesforce import Salesforce, SalesforceError
from workbench.errors import ActionArgumentError

BURLINGTON = "001D000000IqhLAIAZ"


def test_get_reads_the_fields_asked_for_as_one_flat_row(crm: Salesforce) -> None:
    row = crm.get("Account", BURLINGTON, fields=["Name", "Industry", "Owner.Name"]).data
    assert row == {
        "Name": "Burlington Textiles Corp of America",
        "Industry": "Apparel",
        "Owner.Name": "Ada Lovelace",
    }
    every = crm.get("Account", BURLINGTON).data
    assert every["External_Id__c"] == "CUST-1001"
    assert "attributes" not in every


def test_get_of_a_missing_record_names_not_found(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match="NOT_FOUND") as caught:
        crm.get("Account", "001D000000IqhZZIAZ")
    assert caught.value.status == 404


def test_create_answers_201_with_the_new_id_and_the_record_reads_back(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    made = crm.create("Contact", {"LastName": "Lamarr", "FirstName": "Hedy",
                                  "AccountId": BURLINGTON}).data  # fmt: skip
    assert made["success"] is True and made["errors"] == []
    assert made["id"].startswith("003") and len(made["id"]) == 18
    assert fake.api_calls("POST")[-1][3] == 201
    back = crm.get("Contact", made["id"], fields=["FirstName", "Account.Name"]).data
    assert back == {"FirstName": "Hedy", "Account.Name": "Burlington Textiles Corp of America"}


def test_create_without_a_required_field_names_it(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match=r"REQUIRED_FIELD_MISSING.*\(fields: LastName\)"):
        crm.create("Contact", {"FirstName": "Hedy"})


def test_update_answers_204_and_changes_the_record(crm: Salesforce, fake: FakeSalesforce) -> None:
    before = crm.get("Account", BURLINGTON, fields=["LastModifiedDate"]).data
    crm.update("Account", BURLINGTON, {"Rating": "Hot", "Phone": None})
    assert fake.api_calls("PATCH")[-1][3] == 204
    after = crm.get("Account", BURLINGTON, fields=["Rating", "Phone", "LastModifiedDate"]).data
    assert (after["Rating"], after["Phone"]) == ("Hot", None)
    assert after["LastModifiedDate"] > before["LastModifiedDate"]


def test_update_of_a_read_only_field_names_salesforces_code(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match="INVALID_FIELD_FOR_INSERT_UPDATE") as caught:
        crm.update("Account", BURLINGTON, {"CreatedDate": date(2020, 1, 1)})
    assert caught.value.errors[0]["fields"] == ["CreatedDate"]


def test_upsert_creates_then_updates_by_external_id(crm: Salesforce, fake: FakeSalesforce) -> None:
    first = crm.upsert("Account", "External_Id__c", "CUST 2001/A", {"Name": "Initech"}).data
    assert first["created"] is True
    second = crm.upsert("Account", "External_Id__c", "CUST 2001/A", {"Rating": "Warm"}).data
    assert second == {"id": first["id"], "success": True, "errors": [], "created": False}
    assert [status for *_, status in fake.api_calls("PATCH")] == [201, 200]
    row = crm.get("Account", first["id"], fields=["Name", "Rating", "External_Id__c"]).data
    assert row == {"Name": "Initech", "Rating": "Warm", "External_Id__c": "CUST 2001/A"}


def test_upsert_on_a_field_that_is_no_external_id_is_refused(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match="external ID field does not exist"):
        crm.upsert("Account", "Phone", "(336) 222-7000", {"Name": "x"})


def test_upsert_on_a_value_several_records_hold_is_refused_with_their_count(
    crm: Salesforce,
) -> None:
    with pytest.raises(SalesforceError, match="2 Contact records have Legacy_Id__c") as caught:
        crm.upsert("Contact", "Legacy_Id__c", "EDGE-7", {"Title": "CFO"})
    assert (caught.value.code, caught.value.status) == ("MULTIPLE_CHOICES", 300)
    assert crm.upsert("Contact", "Legacy_Id__c", "BTC-1", {"Title": "VP"}).data["created"] is False


def test_a_value_a_unique_field_holds_already_is_refused(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match="DUPLICATE_VALUE") as caught:
        crm.create("Account", {"Name": "Copy", "External_Id__c": "CUST-1001"})
    assert BURLINGTON in str(caught.value)


def test_delete_answers_204_and_the_record_is_gone(crm: Salesforce, fake: FakeSalesforce) -> None:
    assert crm.delete("Account", BURLINGTON).data["deleted"] is True
    assert fake.api_calls("DELETE")[-1][3] == 204
    with pytest.raises(SalesforceError) as caught:
        crm.get("Account", BURLINGTON)
    assert caught.value.code == "ENTITY_IS_DELETED"


def test_describe_lists_the_fields_of_an_sobject(crm: Salesforce) -> None:
    fields = crm.describe("Account").df.set_index("name")
    assert fields.loc["Id", "type"] == "id"
    assert bool(fields.loc["External_Id__c", "externalId"]) is True
    assert fields.loc["OwnerId", "referenceTo"] == "User"
    assert fields.loc["OwnerId", "relationshipName"] == "Owner"
    assert fields.loc["Rating", "picklistValues"] == ["Hot", "Warm", "Cold"]
    assert bool(fields.loc["CreatedDate", "updateable"]) is False


def test_bad_names_and_ids_are_refused_before_any_call(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    with pytest.raises(ActionArgumentError, match="is not a Salesforce id"):
        crm.get("Account", "../Contact/003")
    with pytest.raises(ActionArgumentError, match="is not an API name"):
        crm.describe("Account/describe?x=")
    with pytest.raises(ActionArgumentError, match=r"record.*expected a valid dictionary"):
        crm.create("Account", ["Name"])  # type: ignore[arg-type]
    assert fake.calls == []
