"""Connection URLs from config fields, and no password in any message or repr."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from workbench.connectors.mssql import Mssql, MssqlConfig
from workbench.connectors.mysql import MysqlConfig
from workbench.connectors.postgresql import PostgresqlConfig
from workbench.errors import MissingDependencyError
from workbench.sql import Target, scrub


def test_fields_build_the_url() -> None:
    cfg = PostgresqlConfig(
        host="db", database="shop", user="ada", password="p@ss/word", sslmode="require"
    )
    target = cfg.target()
    assert target.url() == (
        "postgresql://ada:p%40ss%2Fword@db:5432/shop"
        "?application_name=workbench&connect_timeout=10&sslmode=require"
    )
    assert Target.parse(target.url()).password == "p@ss/word"
    assert target.display() == "postgresql://ada@db:5432/shop"
    assert "p@ss" not in repr(cfg)


def test_url_and_fields_combine() -> None:
    cfg = MysqlConfig(url="mariadb://root:topsecret@10.0.0.1/app", database="other")
    target = cfg.target()
    assert (target.scheme, target.host, target.port, target.database, target.password) == (
        "mysql",
        "10.0.0.1",
        3306,
        "other",
        "topsecret",
    )
    assert "topsecret" not in repr(cfg)


def test_a_url_of_another_database_is_refused() -> None:
    with pytest.raises(ValidationError, match="expected a URL starting with postgresql://"):
        PostgresqlConfig(url="mysql://root@localhost/test")
    with pytest.raises(ValidationError, match="sslmode"):
        PostgresqlConfig(sslmode="sometimes")


def test_scrub_masks_passwords_drivers_echo() -> None:
    text = "failed: host=x password=ab dbname=y; also mysql://root:ab@h/db"
    assert scrub(text) == "failed: host=x password=*** dbname=y; also mysql://root:***@h/db"


def test_mssql_urls_for_both_drivers() -> None:
    cfg = MssqlConfig(host="sql", database="erp", user="sa", password="Pa55word!")
    assert cfg.sqlalchemy_url() == "mssql+pymssql://sa:Pa55word%21@sql:1433/erp"
    odbc = MssqlConfig(host="sql", user="sa", driver="pyodbc", trust_server_certificate=True)
    assert odbc.sqlalchemy_url() == (
        "mssql+pyodbc://sa@sql:1433?driver=ODBC%20Driver%2018%20for%20SQL%20Server"
        "&Encrypt=yes&TrustServerCertificate=yes"
    )
    import sqlalchemy as sa

    assert sa.make_url(odbc.sqlalchemy_url()).query["driver"] == "ODBC Driver 18 for SQL Server"
    with pytest.raises(ValidationError, match="driver"):
        MssqlConfig(driver="jdbc")
    with pytest.raises(ValidationError, match="expected a URL starting with mssql://"):
        MssqlConfig(url="postgresql://x@y/z")


def test_mssql_without_its_driver_names_the_install_hint() -> None:
    db = Mssql(MssqlConfig(host="sql", user="sa", password="Pa55word!"), connection="erp")
    with pytest.raises(MissingDependencyError) as caught:
        db.check()
    assert "pip install 'workbench[mssql]'" in str(caught.value)
    assert "Pa55word" not in str(caught.value)
