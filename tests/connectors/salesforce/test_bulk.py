"""Bulk API 2.0 query jobs: UploadComplete -> InProgress -> JobComplete, CSV pages by
Sforce-Locator, and a Failed job."""

from __future__ import annotations

import httpx
import pytest
from fake_salesforce import FakeSalesforce

from workbench.connectors.salesforce import Salesforce, SalesforceError

SOQL = "SELECT Id, Name, Owner.Name FROM Account ORDER BY Name"


def test_a_bulk_query_waits_for_the_job_and_reads_every_csv_page(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    result = crm.bulk_query(SOQL, page_size=5)
    assert result.pages == 3
    assert result.raw["job"]["state"] == "JobComplete"
    frame = result.df
    assert frame.columns.tolist() == ["Id", "Name", "Owner.Name"]
    assert frame["Name"].tolist() == crm.query(SOQL).df["Name"].tolist()
    assert frame.loc[frame["Name"] == "DICKENSON PLC", "Owner.Name"].isna().all()
    (job_id,) = fake.org.jobs
    looks = [p for m, _, p, _ in fake.api_calls("GET") if p.endswith(job_id)]
    assert len(looks) == 2  # InProgress, then JobComplete
    results = [p for m, _, p, _ in fake.api_calls("GET") if p.endswith("/results")]
    assert len(results) == 3


def test_a_failed_job_raises_with_salesforces_reason(crm: Salesforce) -> None:
    with pytest.raises(SalesforceError, match="ended Failed: INVALID_FIELD") as caught:
        crm.bulk_query("SELECT Id, Revenue FROM Account")
    assert caught.value.code == "JOB_FAILED"


def test_a_malformed_query_is_refused_when_the_job_is_created(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    with pytest.raises(SalesforceError) as caught:
        crm.bulk_query("SELECT FROM Account")
    assert caught.value.code == "MALFORMED_QUERY"
    assert fake.org.jobs == {}


def test_a_bulk_query_all_includes_deleted_records(crm: Salesforce) -> None:
    crm.delete("Account", "001D000000IqhWAIAZ")
    soql = "SELECT Id, IsDeleted FROM Account WHERE Name = 'sForce'"
    assert crm.bulk_query(soql).df.empty
    assert crm.bulk_query(soql, include_deleted=True).df["IsDeleted"].tolist() == ["True"]


def test_an_aborted_job_raises_naming_its_state(crm: Salesforce) -> None:
    from workbench.connectors.salesforce.bulk import QueryJob

    def send(method: str, path: str, **options: object) -> httpx.Response:
        return crm._send("crm.bulk_query", method, path, **options)  # type: ignore[arg-type]

    jobs = "/services/data/v62.0/jobs/query"
    created = send("POST", jobs, body={"operation": "query", "query": SOQL}).json()
    aborted = send("PATCH", f"{jobs}/{created['id']}", body={"state": "Aborted"}).json()
    assert aborted["state"] == "Aborted"
    with pytest.raises(SalesforceError, match="ended Aborted") as caught:
        QueryJob(send, "/services/data/v62.0", "crm.bulk_query").wait(created["id"], 5)
    assert caught.value.code == "JOB_ABORTED"
