"""Webhook ingest: verified Standard Webhooks deliveries persisted per second, and the p99
time to their 2xx, against a bare endpoint that answers 200 without verifying or storing.

Load comes from Debian's ``wrk`` (8 connections, ``--latency``) replaying pre-signed
deliveries: a Lua script walks a file of requests generated just before each run, each
with its own ``webhook-id``, a fresh ``webhook-timestamp`` and its signature (a request
sent twice would be a replay, refused with 409, so there are more of them than a run can
send). Measured in the same run, both on the settings of
:func:`workbench.serving.uvicorn_config`:

- ``bare``: a starlette endpoint on stock uvicorn (its own httptools protocol, which writes
  an answer's head and body apart) that reads the body and answers 200: the ceiling of
  the load generator and of a plain HTTP server on this machine.
- ``webhook``: the ``webhook`` connector's trigger (verification, replay guard, hand-off)
  read by ``read_source`` into an ``Inbox`` on SQLite in WAL mode, served as every
  Workbench listener is (each answer in one write:
  :class:`workbench.joined_writes.OneWriteProtocol`); each 2xx follows the commit of the
  batch holding it.

Once both are up, the process's heap is settled as ``wb worker`` settles its own
(:func:`workbench.serving.settle_heap`), which both servers share.

Both servers run at once and are loaded in turns (bare, webhook, webhook, bare, ...), so a
machine whose load changes during the run weighs on both alike. Printed: the rate,
latency and CPU time of this process per request (``cpu µs``: the servers, the reader
and the inbox) of each turn and of each server over its turns, the ratio, whether every 2xx was
stored, and the ceiling of wrk itself (requests per second of its own CPU time, on its one
thread). Goals: the webhook rate at least 0.5x the bare endpoint's and at least 2,000
deliveries/s, with a p99 under 50 ms (the worst turn's).

    python benchmarks/webhook_ingest.py [SECONDS]       # measured per server (default 12)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HOME = Path(tempfile.mkdtemp(prefix="wb-bench-webhook-"))
os.environ["WORKBENCH_CONFIG_DIR"] = str(HOME / "config")  # never the user's folders
os.environ["WORKBENCH_DATA_DIR"] = str(HOME / "data")
os.environ["WORKBENCH_RUN_STORE"] = str(HOME / "runs.db")

from standardwebhooks import Webhook as Signer  # noqa: E402

from workbench.connectors.webhook import Webhook, WebhookConfig  # noqa: E402
from workbench.serving import listen, settle_heap, uvicorn_config  # noqa: E402
from workbench.triggers.inbox import Inbox  # noqa: E402
from workbench.triggers.reader import read_source  # noqa: E402
from workbench.triggers.webhooks import receiving  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - a throwaway for this run
PATH = "/hooks/orders"
CONNECTIONS = 8
WARMUP = 2  # seconds
TURN = 3  # seconds of one turn; SECONDS / TURN turns each
MAX_RATE = 9000  # deliveries/s a run could reach at most: sizes the file of requests
GOAL_RATIO = 0.5
GOAL_RATE = 2000.0
GOAL_P99_MS = 50.0

LUA = r"""
local requests = {}
local index = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local id, stamp, signature, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", args[2], {
      ["Content-Type"] = "application/json",
      ["webhook-id"] = id,
      ["webhook-timestamp"] = stamp,
      ["webhook-signature"] = signature,
    }, body)
  end
  file:close()
end

function request()
  index = index + 1
  if index > #requests then index = 1 end  -- past the end: replays, counted as non-2xx
  return requests[index]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WB_RESULT {\"requests\": %d, \"micros\": %d, \"non2xx\": %d, \"socket_errors\": %d, " ..
    "\"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit(
            "webhook_ingest: the load generator wrk is not installed; install Debian's "
            "package (apt-get install wrk, as `make bench` does) and run again"
        )
    return found


def write_requests(path: Path, count: int, prefix: str) -> None:
    """``count`` signed deliveries, one a line: id, timestamp, signature, body."""
    signer = Signer(SECRET)
    now = datetime.now(UTC)
    stamp = str(int(now.timestamp()))
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            msg_id = f"{prefix}-{n}"
            body = json.dumps(
                {"type": "order.paid", "timestamp": now.isoformat(), "data": {"order": n}},
                separators=(",", ":"),
            )
            out.write(f"{msg_id}\t{stamp}\t{signer.sign(msg_id, now, body)}\t{body}\n")


def prepare(scratch: Path, name: str, seconds: float) -> Path:
    """The file of deliveries for a run of ``seconds`` called ``name``."""
    requests = scratch / f"{name}.tsv"
    write_requests(requests, int(MAX_RATE * seconds) + 1000, name)
    return requests


def load(url: str, seconds: float, requests: Path) -> dict[str, Any]:
    """One wrk run of ``seconds`` against ``url`` sending ``requests``: its figures (see
    the Lua ``done``)."""
    script = requests.parent / "deliveries.lua"
    script.write_text(LUA, encoding="utf-8")
    command = [wrk_binary(), "-t1", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", "--latency"]
    command += ["-s", str(script), url, "--", str(requests), PATH]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    own = time.process_time() - own
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for line in done.stdout.splitlines():
        if line.startswith("WB_RESULT "):
            figures: dict[str, Any] = json.loads(line.removeprefix("WB_RESULT "))
            figures["rate"] = figures["requests"] / (figures["micros"] / 1e6)
            figures["ok"] = figures["requests"] - figures["non2xx"]
            figures["server_cpu"] = own
            figures["wrk_cpu"] = (after.ru_utime + after.ru_stime) - (
                before.ru_utime + before.ru_stime
            )
            return figures
    raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")


def bare_app() -> Any:
    """A starlette endpoint that reads the body and answers 200: nothing verified or stored."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def bare(request: Request) -> Response:
        await request.body()
        return Response(b'{"status":"stored"}', media_type="application/json")

    return Starlette(routes=[Route(PATH, bare, methods=["POST"])])


@contextmanager
def bare_server() -> Iterator[str]:
    """The bare endpoint on stock uvicorn with the webhook listeners' settings and socket,
    in a thread. (The socket matters: asyncio sets TCP_NODELAY only on sockets made for
    IPPROTO_TCP, and without it each answer waits for the client's delayed ACK.)"""
    import uvicorn

    sock = listen("127.0.0.1", 0, "the bare endpoint")
    server = uvicorn.Server(uvicorn_config(bare_app(), one_write=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the bare server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


@contextmanager
def webhook_source(database: Path) -> Iterator[tuple[str, Inbox]]:
    """The webhook trigger read into an inbox on SQLite (WAL), in a thread."""
    config = WebhookConfig(path=PATH, verify="standard", secret=SECRET, port=0)
    connector = Webhook(config, connection="orders_hooks")
    inbox = Inbox.open(database)
    stop = threading.Event()
    thread = threading.Thread(
        target=read_source, args=(connector, "received", {}, inbox), kwargs={"stop": stop}
    )
    thread.start()
    while not receiving(config.host, config.port, config.path):
        if not thread.is_alive():
            raise RuntimeError("the webhook source did not start")
        time.sleep(0.01)
    try:
        yield connector.url, inbox
    finally:
        stop.set()
        thread.join()
        inbox.close()


def show(name: str, figures: dict[str, Any]) -> None:
    p50, p99 = figures["p50_us"] / 1000, figures["p99_us"] / 1000
    print(
        f"{name:<34}{figures['requests']:>9}{figures['rate']:>10.0f}{p50:>9.1f}{p99:>9.1f}"
        f"{figures['non2xx']:>8}{figures['socket_errors']:>8}"
        f"{figures['server_cpu'] / max(figures['requests'], 1) * 1e6:>8.0f}"
    )


def total(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """The turns of one server as one run: counts added up, the worst p99 and maximum,
    the median p50."""
    summed = {key: sum(t[key] for t in turns) for key in ("requests", "micros", "non2xx")}
    summed["socket_errors"] = sum(t["socket_errors"] for t in turns)
    summed["ok"] = sum(t["ok"] for t in turns)
    summed["wrk_cpu"] = sum(t["wrk_cpu"] for t in turns)
    summed["server_cpu"] = sum(t["server_cpu"] for t in turns)
    summed["rate"] = summed["requests"] / (summed["micros"] / 1e6)
    summed["p50_us"] = sorted(t["p50_us"] for t in turns)[len(turns) // 2]
    summed["p99_us"] = max(t["p99_us"] for t in turns)
    summed["max_us"] = max(t["max_us"] for t in turns)
    return summed


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 12.0
    wrk_binary()
    scratch = HOME / "scratch"
    scratch.mkdir(parents=True)
    try:
        return run(seconds, scratch)
    finally:
        shutil.rmtree(HOME, ignore_errors=True)


def run(seconds: float, scratch: Path) -> int:
    turns = max(1, round(seconds / TURN))
    turn = seconds / turns
    print(
        f"POST {PATH}: pre-signed Standard Webhooks deliveries from wrk, {CONNECTIONS} "
        f"connections, {turns} turns of {turn:.0f} s each per server; {os.cpu_count()} CPUs"
    )
    columns = (
        ("reqs", 9),
        ("req/s", 10),
        ("p50 ms", 9),
        ("p99 ms", 9),
        ("non2xx", 8),
        ("errors", 8),
        ("cpu µs", 8),
    )
    print(f"{'server':<34}" + "".join(f"{name:>{width}}" for name, width in columns))
    names = ("bare", "webhook")
    files = {
        (name, n): prepare(scratch, f"{name}-{n}", turn) for name in names for n in range(turns)
    }
    warmups = {name: prepare(scratch, f"{name}-warm", WARMUP) for name in names}
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    with bare_server() as bare_url, webhook_source(scratch / "events.db") as (hooks_url, inbox):
        settle_heap()  # as `wb worker` does once it is set up
        urls = {"bare": bare_url, "webhook": hooks_url}
        for name in names:
            load(urls[name], WARMUP, warmups[name])
        before = inbox.count()
        for n in range(turns):
            order = names if n % 2 == 0 else names[::-1]  # bare, webhook, webhook, bare, ...
            for name in order:
                figures = load(urls[name], turn, files[name, n])
                measured[name].append(figures)
                label = (
                    "bare: starlette, answers 200"
                    if name == "bare"
                    else "webhook: verified, stored"
                )
                show(f"  {label} ({n + 1})", figures)
        stored = inbox.count() - before
    bare, hooks = total(measured["bare"]), total(measured["webhook"])
    show("bare: starlette, answers 200", bare)
    show("webhook: verified, in the inbox", hooks)
    ratio = hooks["rate"] / bare["rate"]
    p99 = hooks["p99_us"] / 1000
    ceiling = bare["requests"] / bare["wrk_cpu"] if bare["wrk_cpu"] > 0 else float("inf")
    busy = bare["wrk_cpu"] / (bare["micros"] / 1e6)
    print(f"wrk ceiling (requests per CPU second):   {ceiling:10.0f} req/s "
          f"(it used {busy:.0%} of a core on the bare endpoint)")  # fmt: skip
    print(f"bare endpoint (HTTP server ceiling):     {bare['rate']:10.0f} req/s")
    print(f"webhook deliveries persisted:            {stored / (hooks['micros'] / 1e6):10.0f} /s "
          f"({stored} stored, {hooks['ok']} answered 2xx)")  # fmt: skip
    print(f"webhook / bare:                          {ratio:10.3f}x req/s")
    print(f"webhook p99 to the 2xx (worst turn):     {p99:10.1f} ms")
    # wrk stops with up to one request per connection in flight: stored, never answered to it
    in_flight = stored - hooks["ok"]
    consistent = (
        0 <= in_flight <= CONNECTIONS * turns and hooks["non2xx"] == hooks["socket_errors"] == 0
    )
    if not consistent:
        print("every 2xx stored, no refusal, no socket error: NO")
    ok = consistent and ratio >= GOAL_RATIO and hooks["rate"] >= GOAL_RATE and p99 < GOAL_P99_MS
    print(
        f"goal (>= {GOAL_RATIO:.1f}x the bare endpoint, >= {GOAL_RATE:.0f} deliveries/s, "
        f"p99 < {GOAL_P99_MS:.0f} ms): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
