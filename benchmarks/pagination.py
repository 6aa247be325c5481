"""100,000 records over 1,000 offset pages into a DataFrame: `paginate` vs a hand-written loop.

The server (a `ThreadingHTTPServer` in a thread) answers each page after ~1.5 ms, like a
database-backed API, with 100 nested records per page (bodies made once, up front, so
the server's own work is the same for both sides). Workbench reads with `paginate`
(offset strategy, prefetch 4, no progress bar in a script) through a client from
`build_client`, then `workbench.results.frames.to_dataframe`. The baseline is the loop
one writes by hand: a sequential `httpx.Client` GET per page, then
`pandas.json_normalize`. Both are run in turns, three times each; medians are compared.
Goal: ratio <= 1.0 (prefetch should win).

    python benchmarks/pagination.py
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pandas as pd

from workbench.http import build_client, paginate
from workbench.results.frames import to_dataframe

RECORDS = 100_000
PAGE = 100
LATENCY = 0.0015  # seconds per page
ROUNDS = 3
GOAL = 1.0


def make_pages() -> dict[int, bytes]:
    def record(i: int) -> dict[str, Any]:
        return {
            "id": i,
            "number": f"SO-{i:06d}",
            "amount": round(i * 1.37 % 500, 2),
            "status": ("open", "shipped", "closed")[i % 3],
            "customer": {"id": i % 977, "name": f"customer {i % 977}", "country": "FR"},
        }

    pages = {}
    for offset in range(0, RECORDS + PAGE, PAGE):
        data = [record(i) for i in range(offset, min(offset + PAGE, RECORDS))]
        pages[offset] = json.dumps({"data": data, "offset": offset}).encode()
    return pages


@contextmanager
def serve(pages: dict[int, bytes]) -> Iterator[str]:
    class Orders(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real APIs
        disable_nagle_algorithm = True  # headers and body go out at once

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            query = dict(parse_qsl(urlsplit(self.path).query))
            body = pages.get(int(query.get("offset", 0)), pages[RECORDS])  # past the end: empty
            time.sleep(LATENCY)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Orders)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def hand_written(url: str) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    with httpx.Client(base_url=url) as client:
        offset = 0
        while True:
            response = client.get("/orders", params={"offset": offset, "limit": PAGE})
            response.raise_for_status()
            page = response.json()["data"]
            records.extend(page)
            if len(page) < PAGE:
                break
            offset += PAGE
    return pd.json_normalize(records)


def workbench(url: str) -> pd.DataFrame:
    with build_client(url, connection="orders") as client:
        first = client.build_request("GET", "/orders")
        strategy = {"type": "offset", "limit": PAGE, "records": "data"}
        pages = paginate(client.send, first, strategy, progress=False)  # no bar in a script
        records = [r for page in pages for r in page.records]
    return to_dataframe(records)


def timed(run: Callable[[str], pd.DataFrame], url: str) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    frame = run(url)
    return time.perf_counter() - started, frame


def main() -> int:
    pages = make_pages()
    times: dict[str, list[float]] = {"baseline": [], "workbench": []}
    with serve(pages) as url:
        for _ in range(ROUNDS):
            seconds, expected = timed(hand_written, url)
            times["baseline"].append(seconds)
            seconds, frame = timed(workbench, url)
            times["workbench"].append(seconds)
            pd.testing.assert_frame_equal(frame, expected)
    baseline = statistics.median(times["baseline"])
    ours = statistics.median(times["workbench"])
    ratio = ours / baseline
    print(f"records / pages:                    {RECORDS} / {RECORDS // PAGE} (+1 past the end)")
    print(f"server latency per page:            {LATENCY * 1000:.1f} ms")
    print(f"hand-written loop + json_normalize: {baseline:6.2f} s  (baseline, median of {ROUNDS})")
    print(f"paginate + to_dataframe:            {ours:6.2f} s")
    print(f"ratio workbench / baseline:         {ratio:6.2f}x")
    ok = ratio <= GOAL
    print(f"goal (ratio <= {GOAL:.1f}):                {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
