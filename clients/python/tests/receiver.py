"""A webhook receiver on 127.0.0.1 for the end-to-end tests: it queues what arrives and
answers each POST with the next status of `statuses` (then 200)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Arrival:
    """One POST as it arrived: the body's bytes and the headers (names in lower case)."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.url = ""
        self.statuses: list[int] = []
        self._arrivals: queue.Queue[Arrival] = queue.Queue()
        self._lock = threading.Lock()

    def answer(self) -> int:
        with self._lock:
            return self.statuses.pop(0) if self.statuses else 200

    def arrived(self, arrival: Arrival) -> None:
        self._arrivals.put(arrival)

    def next(self, timeout: float = 15) -> Arrival:
        """The next POST, waiting up to `timeout` seconds for it."""
        try:
            return self._arrivals.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing arrived within {timeout} s") from None

    def quiet(self, seconds: float) -> bool:
        """Whether nothing more arrives within `seconds`."""
        try:
            self._arrivals.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.answer()
            receiver.arrived(Arrival(self.path, headers, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A Receiver serving from a thread while the block runs."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/amity-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
