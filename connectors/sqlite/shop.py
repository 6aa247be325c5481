"""The sample ``shop`` database: customers, orders and order items, generated reproducibly.

The file is built once per data folder (``WORKBENCH_DATA_DIR`` or the platform's) from a
fixed seed, so every machine gets the same rows.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from workbench.sdk import data_dir

SCHEMA_VERSION = 1
SEED = 42
CUSTOMERS = 400
ORDERS = 3000
STATUSES = (
    ("pending", 0.10),
    ("paid", 0.15),
    ("shipped", 0.30),
    ("delivered", 0.40),
    ("cancelled", 0.05),
)
PRODUCTS = (
    ("KB-01", "Mechanical keyboard", 89.0),
    ("MS-02", "Wireless mouse", 29.5),
    ("MN-27", "27-inch monitor", 249.0),
    ("HD-05", "Noise-cancelling headphones", 179.0),
    ("CB-10", "USB-C cable", 9.9),
    ("DS-03", "Laptop stand", 39.0),
    ("WC-04", "Webcam", 69.0),
    ("CH-99", "Desk chair", 319.0),
)
FIRST = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Ken",
    "Margaret",
    "Linus",
    "Katherine",
    "Dennis",
)
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Torvalds",
    "Johnson",
    "Ritchie",
)
COUNTRIES = ("DE", "FR", "GB", "US", "NL", "ES", "IT", "SE", "JP", "BR")
START = datetime(2025, 1, 1, 8, 0, 0)

SCHEMA = """
create table customers (
    id integer primary key,
    name text not null,
    email text not null unique,
    country text not null,
    created_at text not null
);
create table orders (
    id integer primary key,
    customer_id integer not null references customers(id),
    status text not null check (status in ('pending','paid','shipped','delivered','cancelled')),
    ordered_at text not null,
    shipped_at text,
    total real not null
);
create table order_items (
    id integer primary key,
    order_id integer not null references orders(id),
    sku text not null,
    product text not null,
    quantity integer not null,
    unit_price real not null
);
create index orders_by_customer on orders(customer_id);
create index items_by_order on order_items(order_id);
"""


def shop_path() -> Path:
    """The sample database file, generated on first use.

    Example:
        >>> import sqlite3
        >>> sqlite3.connect(shop_path()).execute("select count(*) from orders").fetchone()
        (3000,)
    """
    path = data_dir() / "samples" / f"shop-v{SCHEMA_VERSION}.sqlite"
    if not path.exists():
        generate(path)
    return path


def generate(path: Path) -> None:
    """Write the sample database to ``path`` atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        with sqlite3.connect(tmp) as db:
            db.executescript(SCHEMA)
            _fill(db, random.Random(SEED))  # noqa: S311 - sample data, not security
        db.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fill(db: sqlite3.Connection, rng: random.Random) -> None:
    customers = []
    for cid in range(1, CUSTOMERS + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = START - timedelta(days=rng.randint(30, 900))
        customers.append(
            (
                cid,
                f"{first} {last}",
                f"{first}.{last}.{cid}@example.com".lower(),
                rng.choice(COUNTRIES),
                _iso(created),
            )
        )
    db.executemany("insert into customers values (?, ?, ?, ?, ?)", customers)

    statuses, weights = zip(*STATUSES, strict=True)
    orders, items = [], []
    for oid in range(1, ORDERS + 1):
        ordered = START + timedelta(minutes=rng.randint(0, 60 * 24 * 330))
        status = rng.choices(statuses, weights)[0]
        shipped = (
            ordered + timedelta(hours=rng.randint(4, 96))
            if status in ("shipped", "delivered")
            else None
        )
        total = 0.0
        for _ in range(rng.randint(1, 4)):
            sku, product, price = rng.choice(PRODUCTS)
            quantity = rng.randint(1, 3)
            total += quantity * price
            items.append((len(items) + 1, oid, sku, product, quantity, price))
        customer = rng.randint(1, CUSTOMERS)
        orders.append(
            (
                oid,
                customer,
                status,
                _iso(ordered),
                _iso(shipped) if shipped else None,
                round(total, 2),
            )
        )
    db.executemany("insert into orders values (?, ?, ?, ?, ?, ?)", orders)
    db.executemany("insert into order_items values (?, ?, ?, ?, ?, ?)", items)


def _iso(moment: datetime) -> str:
    return moment.isoformat(sep=" ")
