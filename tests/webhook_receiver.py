"""A real HTTP receiver for the webhook tests: a threaded `http.server` on 127.0.0.1, on a free port.

It records every request (headers, body, time received) and answers each one as its script says: an HTTP status,
or `Stall(seconds)` to answer only after that long (to make the sender time out). When the script runs out it
answers `default`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec


@dataclass(frozen=True)
class Stall:
    seconds: float
    then: int = 200


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int

    @property
    def delivery_id(self) -> str:
        return self.headers["timeline-delivery"]

    def json(self) -> Any:
        return msgspec.json.decode(self.body)


@dataclass
class Receiver:
    url: str
    script: list[int | Stall] = field(default_factory=list)
    default: int = 200
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> int | Stall:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def record(self, item: Received) -> None:
        with self.lock:
            self.received.append(item)

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def accepted(self) -> list[Received]:
        """The requests answered 2xx (what a receiver de-duplicating by delivery id keeps)."""
        return [r for r in self.requests() if 200 <= r.answered < 300]

    async def wait_until(self, done: Callable[[Receiver], bool], seconds: float = 20.0) -> None:
        """Wait (bounded) until `done(self)`; fail with what arrived otherwise."""
        deadline = time.monotonic() + seconds
        while not done(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up after {seconds} s; received {len(self.requests())} request(s)")
            await asyncio.sleep(0.05)


@contextmanager
def receiver(script: list[int | Stall] | None = None, default: int = 200) -> Iterator[Receiver]:
    """Serve a receiver until the block ends."""
    state: Receiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert state is not None
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = state.next_answer()
            status = answer.then if isinstance(answer, Stall) else answer
            # A stalled answer comes after the sender gave up: recorded as 0, never as accepted.
            state.record(Received(headers, body, time.time(), 0 if isinstance(answer, Stall) else status))
            if isinstance(answer, Stall):
                time.sleep(answer.seconds)
            payload = b'{"received": true}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting: that is the point
                pass

        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest would show it on failure only
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    state = Receiver(url=url, script=list(script or []), default=default)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
