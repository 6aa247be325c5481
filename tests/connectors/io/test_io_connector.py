"""The io connector on local files and on moto's S3 server (a real subprocess, over HTTP)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from s3_server import moto

import workbench as wb
from workbench.connectors.io import Io, IoConfig
from workbench.errors import ActionArgumentError, ActionError

FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "xlsx", "xml"]
FRAME = pd.DataFrame(
    {"id": [1, 2, 3], "price": [9.5, 0.25, 12.0], "name": ["Ada", "Zoë 🚀", "Ærø"]}
)
SECRET = "io-secret-" + secrets.token_hex(8)


@pytest.mark.parametrize("fmt", FORMATS)
def test_local_round_trip_in_every_format(project: Path, fmt: str) -> None:
    io = wb.connect("io")
    written = io.write(f"out/deep/table.{fmt}", FRAME)
    assert written.data["rows"] == 3
    assert written.data["bytes"] == (project / "out" / "deep" / f"table.{fmt}").stat().st_size
    assert_frame_equal(io.read(f"out/deep/table.{fmt}").df, FRAME, check_dtype=False)


def test_format_argument_and_reader_options(project: Path) -> None:
    (project / "export.txt").write_text("a;b\n1;x\n2;y\n", encoding="utf-8")
    frame = Io().read("export.txt", format="csv", sep=";").df
    assert frame.to_dict("records") == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    Io().write("rows.data", frame, format="jsonl")
    assert (project / "rows.data").read_text().splitlines()[0] == '{"a":1,"b":"x"}'
    by_name = Io().write(path="named.csv", data=frame, format="csv")  # every input by keyword
    assert by_name.data["rows"] == 2
    assert Io().read(path="named.csv").df.equals(frame)


def test_unknown_formats_list_the_known_ones(project: Path) -> None:
    known = "(known: csv, excel, json, jsonl, parquet, tsv, xml)"
    with pytest.raises(ActionArgumentError) as caught:
        Io().read("data.bin")
    assert str(caught.value) == (
        f"io.read: cannot tell the format of 'data.bin' from its extension; give format= {known}"
    )
    with pytest.raises(ActionArgumentError, match="unknown format 'yaml'"):
        Io().write("x.csv", FRAME, format="yaml")
    with pytest.raises(ActionArgumentError, match=r"'nothing\.csv' not found"):
        Io().read("nothing.csv")
    (project / "broken.json").write_text("{not json")
    with pytest.raises(ActionError, match=r"'broken\.json' is not valid json"):
        Io().read("broken.json")
    assert not (project / "x.csv").exists()


def test_xml_reads_attributes_and_elements(project: Path) -> None:
    (project / "orders.xml").write_text(
        '<orders><order id="1"><total>9.5</total></order><order id="2"><total>3</total></order>'
        "</orders>"
    )
    frame = Io().read("orders.xml").df
    assert frame.to_dict("records") == [{"id": 1, "total": 9.5}, {"id": 2, "total": 3.0}]


def test_list_and_formats(project: Path) -> None:
    io = Io()
    io.write("in/a.csv", FRAME)
    io.write("in/sub/b.parquet", FRAME)
    listed = io.list("in").df
    assert [Path(p).name for p in listed["path"]] == ["a.csv", "b.parquet"]
    assert listed["format"].tolist() == ["csv", "parquet"]
    assert [Path(p).name for p in io.list("in/*.csv").df["path"]] == ["a.csv"]
    assert "xml" in io.formats().df["format"].tolist()


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture
def bucket(moto_url: str) -> str:
    httpx.post(f"{moto_url}/moto-api/reset", trust_env=False).raise_for_status()
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket="lake")
    client.close()
    return "lake"


def s3(moto_url: str) -> Io:
    config = IoConfig(endpoint_url=moto_url, region="us-east-1", key="testing", secret=SECRET)
    return Io(config, connection="lake_io")


@pytest.mark.parametrize("fmt", FORMATS)
def test_s3_round_trip_in_every_format(moto_url: str, bucket: str, fmt: str) -> None:
    io = s3(moto_url)
    written = io.write(f"s3://{bucket}/out/table.{fmt}", FRAME)
    assert written.data["bytes"] > 0
    assert_frame_equal(io.read(f"s3://{bucket}/out/table.{fmt}").df, FRAME, check_dtype=False)


def test_s3_objects_are_real_objects(moto_url: str, bucket: str) -> None:
    s3(moto_url).write(f"s3://{bucket}/exports/orders.csv", FRAME)
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET,
    )
    body = client.get_object(Bucket=bucket, Key="exports/orders.csv")["Body"].read()
    client.close()
    assert body.decode("utf-8").splitlines()[0] == "id,price,name"
    listed = s3(moto_url).list(f"s3://{bucket}/exports").df
    assert listed["path"].tolist() == [f"s3://{bucket}/exports/orders.csv"]
    with pytest.raises(ActionArgumentError, match="not found"):
        s3(moto_url).read(f"s3://{bucket}/exports/missing.csv")


def test_a_named_io_connection_reaches_s3(
    project: Path, moto_url: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKE_SECRET", SECRET)
    (project / "workbench.toml").write_text(
        "[connections.lake_io]\n"
        'connector = "io"\n'
        f'endpoint_url = "{moto_url}"\n'
        'region = "us-east-1"\n'
        'key = "testing"\n'
        'secret = "${LAKE_SECRET}"\n'
    )
    lake = wb.connect("lake_io")
    lake.write(f"s3://{bucket}/named.parquet", FRAME)
    assert lake.read(f"s3://{bucket}/named.parquet").df["name"].tolist() == FRAME["name"].tolist()
    assert SECRET not in repr(lake.config)
    assert SECRET not in wb.connections().to_string()


def test_the_catalog_lists_it() -> None:
    row = wb.catalog("io").set_index("name").loc["io"]
    assert (row["category"], row["auth"]) == ("storage", "library")
