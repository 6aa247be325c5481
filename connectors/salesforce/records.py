"""Salesforce records as flat rows: ``attributes`` dropped, relationships as dotted columns.

A SOQL answer nests each parent relationship as an object of its own (``"Owner":
{"attributes": {...}, "Name": "Ada"}``); a row has it as the column ``Owner.Name``. A
child relationship (a subquery) keeps its records as a list, each flattened the same way.

Example:
    >>> record = {"attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001"},
    ...           "Id": "001", "Name": "Acme",
    ...           "Owner": {"attributes": {"type": "User"}, "Name": "Ada",
    ...                     "Manager": {"attributes": {"type": "User"}, "Name": "Grace"}}}
    >>> flat(record)
    {'Id': '001', 'Name': 'Acme', 'Owner.Name': 'Ada', 'Owner.Manager.Name': 'Grace'}
    >>> frame([record, {"Id": "002", "Name": "Globex", "Owner": None}]).columns.tolist()
    ['Id', 'Name', 'Owner.Name', 'Owner.Manager.Name']
    >>> flat({"Name": "Acme", "Contacts": {"totalSize": 1, "done": True, "records": [
    ...     {"attributes": {"type": "Contact"}, "LastName": "Rogers"}]}})
    {'Name': 'Acme', 'Contacts': [{'LastName': 'Rogers'}]}
"""  # noqa: E501

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def flat(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One record as a flat dict (see the module's example)."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(value.get("records"), list):
            row[name] = [flat(child) for child in value["records"]]
        elif isinstance(value, Mapping) and "attributes" in value:
            row.update(flat(value, f"{name}."))
        else:
            row[name] = value
    return row


def frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Records as a DataFrame of flat rows; a relationship that is null in some rows and
    an object in others gives only its dotted columns."""
    import pandas as pd

    rows = [flat(record) for record in records]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    dotted = {name.split(".", 1)[0] for name in columns if "." in name}
    kept = [
        name
        for name in columns
        if not (name in dotted and all(row.get(name) is None for row in rows))
    ]
    return pd.DataFrame([{name: row.get(name) for name in kept} for row in rows], columns=kept)


def csv_frame(pages: Iterable[str]) -> pd.DataFrame:
    """The CSV pages of a Bulk API result as one DataFrame (every page has the header row).

    Empty fields are missing values; columns stay text, as Salesforce writes them.

    Example:
        >>> found = csv_frame(['"Id","Name"\\n"001","Acme"\\n', '"Id","Name"\\n"002",""\\n'])
        >>> found["Id"].tolist(), found["Name"].isna().tolist()
        (['001', '002'], [False, True])
    """
    import pandas as pd

    parts = [
        pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        for text in pages
        if text.strip()
    ]
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
