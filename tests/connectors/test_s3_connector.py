"""The s3 connector against moto's S3 server, run as a real subprocess on a loopback port."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from pydantic import ValidationError
from s3_server import free_port, moto, start_moto, stop

import workbench as wb
from workbench import registry
from workbench.client import check
from workbench.connectors.s3 import S3, S3Config
from workbench.errors import (
    ActionArgumentError,
    ActionError,
    ConfigError,
    ConnectionFailedError,
    MissingDependencyError,
)

SECRET = "s3-secret-" + secrets.token_hex(12)
TOKEN = "s3-token-" + secrets.token_hex(12)
BUCKET = "data"
FORMATS = ["csv", "json", "jsonl", "parquet", "xlsx"]
FRAME = pd.DataFrame(
    {
        "id": [1, 2, 3],
        "price": [9.5, None, 0.1 + 0.2],
        "name": ["Ada", None, "Zoë 🚀 Ærø"],
        "größe": ["S", "M", "L"],
    }
)


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


def config(endpoint: str, **fields: object) -> S3Config:
    values: dict[str, object] = {
        "endpoint_url": endpoint,
        "region": "us-east-1",
        "access_key_id": "testing-key",
        "secret_access_key": SECRET,
        "bucket": BUCKET,
    }
    return S3Config.model_validate({**values, **fields})


@pytest.fixture
def store(moto_url: str) -> Iterator[S3]:
    """A connection to an emptied moto with one bucket, ``data``."""
    httpx.post(f"{moto_url}/moto-api/reset", trust_env=False).raise_for_status()
    with S3(config(moto_url), connection="lake") as connector:
        connector.create_bucket(BUCKET)
        yield connector


def test_put_and_get_bytes_text_and_json(store: S3) -> None:
    put = store.put("raw/blob.bin", b"\x00\xffdata")
    assert put.data["bytes"] == 6
    assert put.data["content_type"] == "application/octet-stream"
    store.put("notes/hello.txt", "héllo ☕")
    store.put("orders/42.json", {"id": 42, "items": [1, 2], "note": None})

    blob = store.get("raw/blob.bin")
    assert blob.data == b"\x00\xffdata"
    assert blob.raw["bytes"] == 6
    assert (blob.connection, blob.action) == ("lake", "get")
    assert store.get("notes/hello.txt").data == "héllo ☕"
    assert store.get("notes/hello.txt", text=False).data == "héllo ☕".encode()
    order = store.get("orders/42.json")
    assert order.raw["content_type"] == "application/json"
    assert order.data == '{"id": 42, "items": [1, 2], "note": null}'


def test_put_refuses_what_it_cannot_store(store: S3) -> None:
    with pytest.raises(ActionArgumentError, match=r"lake\.put: data must be bytes, str or JSON"):
        store.put("x.json", {1, 2})
    with pytest.raises(ActionArgumentError, match=r"use write\(key, df\)"):
        store.put("x.csv", FRAME)
    store.put("bin", b"\xff\xfe")
    with pytest.raises(ActionError, match=r"lake\.get: object 'bin' is not text"):
        store.get("bin", text=True)


def test_list_with_prefix_pattern_and_limit(store: S3) -> None:
    for key in ("in/a.csv", "in/b.json", "in/deep/c.csv", "out/d.csv"):
        store.put(key, "x")

    listing = store.list()
    assert listing.df["key"].tolist() == ["in/a.csv", "in/b.json", "in/deep/c.csv", "out/d.csv"]
    assert list(listing.df.columns) == ["key", "size", "modified", "etag"]
    assert listing.data[0]["size"] == 1
    modified = listing.df["modified"].dtype
    assert isinstance(modified, pd.DatetimeTZDtype)
    assert str(modified.tz) == "UTC"
    assert len(listing.data[0]["etag"]) == 32
    assert store.list(prefix="in/", pattern="*.csv").df["key"].tolist() == [
        "in/a.csv",
        "in/deep/c.csv",
    ]
    assert len(store.list(max_items=2)) == 2
    empty = store.list(prefix="nothing/")
    assert empty.rows == 0
    assert list(empty.df.columns) == ["key", "size", "modified", "etag"]


def test_delete_says_whether_the_object_existed(store: S3) -> None:
    store.put("gone.txt", "bye")
    assert store.delete("gone.txt").data == {"bucket": BUCKET, "key": "gone.txt", "deleted": True}
    assert store.delete("gone.txt").data["deleted"] is False
    assert store.list().rows == 0


def test_buckets_and_create_bucket(moto_url: str, store: S3) -> None:
    assert store.create_bucket("archive").data == {"bucket": "archive", "region": "us-east-1"}
    store.put("old.txt", "1999", bucket="archive")

    assert store.buckets().df["name"].tolist() == ["archive", "data"]
    assert store.list(bucket="archive").df["key"].tolist() == ["old.txt"]
    # Outside us-east-1 the bucket gets a location constraint, and creating it twice fails.
    europe = S3(config(moto_url, region="eu-west-1"), connection="eu")
    assert europe.create_bucket("eu-data").data == {"bucket": "eu-data", "region": "eu-west-1"}
    with pytest.raises(ActionError) as again:
        europe.create_bucket("eu-data")
    assert str(again.value).startswith("eu.create_bucket: S3 error BucketAlreadyOwnedByYou")
    assert "bucket 'eu-data'" in str(again.value)


def test_a_connection_prefix_makes_keys_relative(moto_url: str, store: S3) -> None:
    scoped = S3(config(moto_url, prefix="team/a/"), connection="team")
    put = scoped.put("in/x.txt", "scoped")
    assert put.data["key"] == "team/a/in/x.txt"
    store.put("elsewhere.txt", "other")

    assert scoped.list().df["key"].tolist() == ["in/x.txt"]
    assert scoped.get("in/x.txt").data == "scoped"
    assert store.list().df["key"].tolist() == ["elsewhere.txt", "team/a/in/x.txt"]
    assert scoped.check().endswith("(bucket data, prefix team/a/: 1 object)")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_frame_round_trips(store: S3, fmt: str) -> None:
    written = store.write(f"tables/t.{fmt}", FRAME)

    assert written.data["format"] == fmt
    assert written.data["rows"] == 3
    listed = store.list(prefix="tables/").data
    assert written.data["bytes"] == listed[0]["size"] > 0
    result = store.read(f"tables/t.{fmt}")
    assert_frame_equal(result.df, FRAME)
    assert result.raw["format"] == fmt


def test_records_and_explicit_formats(store: S3) -> None:
    store.write("export.txt", FRAME.to_dict("records"), format="csv")
    assert_frame_equal(store.read("export.txt", format=".CSV").df, FRAME)
    assert store.get("export.txt").raw["content_type"] == "text/csv; charset=utf-8"

    with pytest.raises(ActionArgumentError, match=r"cannot tell the format of 'x\.bin'"):
        store.write("x.bin", FRAME)
    with pytest.raises(ActionArgumentError, match="a DataFrame or a list of records"):
        store.write("x.csv", "not a table")
    store.put("broken.parquet", b"not parquet")
    with pytest.raises(ActionError, match=r"lake\.read: cannot read 'broken\.parquet'"):
        store.read("broken.parquet")


def test_presigned_urls_really_work(store: S3) -> None:
    store.put("share/report.csv", "a,b\n1,2\n")
    url = store.presign("share/report.csv", expires=60).data
    assert "X-Amz-Signature=" in url
    assert SECRET not in url
    answer = httpx.get(url, trust_env=False)
    assert answer.status_code == 200
    assert answer.text == "a,b\n1,2\n"

    upload = store.presign("share/upload.txt", method="put").data
    httpx.put(upload, content=b"via url", trust_env=False).raise_for_status()
    assert store.get("share/upload.txt", text=True).data == "via url"
    with pytest.raises(ActionArgumentError, match="expires must be"):
        store.presign("k", expires=0)
    with pytest.raises(ActionArgumentError, match="method"):
        store.presign("k", method="post")


def test_missing_keys_and_buckets_name_the_action_bucket_key_and_code(store: S3) -> None:
    with pytest.raises(ActionError) as missing_key:
        store.get("nope/none.txt")
    assert (
        str(missing_key.value) == "lake.get: no object 'nope/none.txt' in bucket 'data' (NoSuchKey)"
    )

    with pytest.raises(ActionError) as missing_bucket:
        store.read("t.csv", bucket="no-such-bucket")
    assert str(missing_bucket.value).startswith("lake.read: bucket 'no-such-bucket' does not exist")
    assert "(NoSuchBucket)" in str(missing_bucket.value)
    with pytest.raises(ActionError, match=r"lake\.list: bucket 'nowhere' .*NoSuchBucket"):
        store.list(bucket="nowhere")
    with pytest.raises(ActionError, match=r"lake\.delete: bucket 'nowhere' .*NoSuchBucket"):
        store.delete("k", bucket="nowhere")
    with pytest.raises(ActionArgumentError, match=r"Invalid bucket name"):
        store.get("k", bucket="Not A Bucket!")


def test_a_bucket_must_be_named_somewhere(moto_url: str) -> None:
    unbound = S3(config(moto_url, bucket=None), connection="anon")
    with pytest.raises(ActionArgumentError, match=r"anon\.get: no bucket; pass bucket="):
        unbound.get("k")
    with pytest.raises(ActionArgumentError, match="key must not be empty"):
        unbound.get("", bucket=BUCKET)


def test_check_reports_the_endpoint_and_the_bucket(moto_url: str, store: S3) -> None:
    store.put("a.txt", "1")
    store.put("b.txt", "2")
    assert store.check() == f"S3 at {moto_url} (bucket data: 2 objects)"
    assert S3(config(moto_url, bucket=None)).check() == f"S3 at {moto_url} (1 bucket)"
    with_token = S3(config(moto_url, session_token=TOKEN))
    assert with_token.check() == f"S3 at {moto_url} (bucket data: 2 objects)"


def test_check_fails_fast_on_a_closed_port() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(ConnectionFailedError) as failed:
        S3(config(endpoint), connection="down").check()
    assert time.monotonic() - started < 5
    assert str(failed.value).startswith(f"down.check: cannot reach S3 at {endpoint}")


def test_check_names_a_missing_bucket(moto_url: str, store: S3) -> None:
    with pytest.raises(ConnectionFailedError) as failed:
        S3(config(moto_url, bucket="missing"), connection="m").check()
    assert (
        str(failed.value)
        == f"m.check: bucket 'missing' does not exist at {moto_url} (NoSuchBucket)"
    )


def test_check_reports_refused_credentials(tmp_path: Path) -> None:
    """A second moto that authenticates every request: unknown keys are refused."""
    server, url = start_moto(tmp_path / "moto-auth.log", INITIAL_NO_AUTH_ACTION_COUNT="0")
    try:
        with pytest.raises(ConnectionFailedError) as failed:
            S3(config(url), connection="auth").check()
        with pytest.raises(ActionError) as action_failed:
            S3(config(url), connection="auth").get("k")
    finally:
        stop(server)
    message = str(failed.value)
    assert message.startswith(f"auth.check: S3 at {url} refused the credentials for bucket 'data'")
    assert "InvalidAccessKeyId" in message
    assert "InvalidAccessKeyId" in str(action_failed.value)
    assert SECRET not in message + str(action_failed.value)


def test_the_secret_key_never_leaks(
    moto_url: str, store: S3, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.register(S3)
    (project / "workbench.toml").write_text(
        "[connections.lake]\n"
        'connector = "s3"\n'
        f'endpoint_url = "{moto_url}"\n'
        'region = "us-east-1"\n'
        'bucket = "data"\n'
        'access_key_id = "testing-key"\n'
        'secret_access_key = "${LAKE_SECRET}"\n'
        'session_token = "${LAKE_TOKEN}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LAKE_SECRET", SECRET)
    monkeypatch.setenv("LAKE_TOKEN", TOKEN)
    lake = wb.connect("lake")
    assert isinstance(lake, S3)
    lake.put("k.txt", "v")
    assert lake.get("k.txt").data == "v"
    assert check("lake").startswith("S3 at")
    seen = [repr(lake), repr(lake.config), str(lake.config), str(lake.config.public_fields())]
    for call in (
        lambda: lake.get("missing"),
        lambda: lake.list(bucket="nowhere"),
        lambda: lake.get("k", bucket="Bad Name"),
        lambda: S3(config("http://127.0.0.1:1")).check(),
    ):
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any failure, checked below
            call()
        seen.append(f"{caught.value!r} {caught.value}")
    seen.append(wb.connections().to_string())
    seen.append(wb.history().to_string())
    seen.append(str(wb.history().to_dict("records")))
    text = "\n".join(seen)
    assert "lake.get: no object 'missing'" in text
    assert SECRET not in text
    assert TOKEN not in text


def test_an_endpoint_that_is_not_a_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^bad: endpoint_url 'not a url' is not a valid URL"):
        S3(S3Config(endpoint_url="not a url", bucket="b"), connection="bad").check()


def test_keys_come_in_pairs() -> None:
    with pytest.raises(ValidationError, match="access_key_id and secret_access_key go together"):
        S3Config(access_key_id="only-the-id")


def test_a_missing_boto3_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'workbench\[s3\]'"):
        S3(S3Config(bucket="b")).get("k")
