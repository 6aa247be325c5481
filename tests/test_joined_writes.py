"""Each answer of a Workbench listener leaves in one write: the head and body of an ASGI
answer joined within a turn of the loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from workbench.joined_writes import LARGE_WRITE, JoinedWrites
from workbench.serving import listen, uvicorn_config


class _Recording:
    """A transport that records what is written to it."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


def test_the_writes_of_one_turn_leave_as_one_and_a_large_one_at_once() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes], list[bytes]]:
        loop = asyncio.get_running_loop()
        recording = _Recording()
        joined = JoinedWrites(recording, loop)  # type: ignore[arg-type]
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"body")
        assert recording.written == []  # held until the end of the turn
        await asyncio.sleep(0)
        turn = list(recording.written)
        joined.write(b"head")
        joined.write(b"x" * LARGE_WRITE)  # what came before goes first, then this one
        large = list(recording.written[1:])
        joined.write(b"last words")
        joined.close()  # sends what is held, then closes
        return turn, large, recording.written[3:]

    turn, large, last = asyncio.run(scenario())
    assert turn == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    assert large == [b"head", b"x" * LARGE_WRITE]
    assert last == [b"last words"]


def test_an_answer_arrives_whole_in_one_segment() -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request: object) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    sock = listen("127.0.0.1", 0, "--port")
    server = uvicorn.Server(uvicorn_config(Starlette(routes=[Route("/", hello)])))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        with socket.create_connection(sock.getsockname(), timeout=5) as client:
            for _ in range(20):  # each answer is in the first read: one send, one segment
                client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
                answer = client.recv(65536)
                head, _, body = answer.partition(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200 OK") and body == b'{"hello":"world"}'
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
