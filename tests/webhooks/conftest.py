"""A real HTTP receiver on 127.0.0.1 (``http.server`` in a thread), a receiver that drips its answer a
byte at a time, and Celery run eagerly, as a worker would run the tasks, in the same test transaction."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then ``default``) and keeps what it got."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    default: int = 200
    requests: list[Received] = field(default_factory=list)

    def answer(self) -> int:
        return self.script.pop(0) if self.script else self.default


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.answer()
            reply = b"ok" if status < 400 else b"nope"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/ikd/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def eager(settings: Any) -> Iterator[None]:
    """Tasks queued run at once in this process (a retry's countdown too), and private addresses (the
    local receiver) are allowed."""
    from config.celery import app

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before


@dataclass
class Dripper:
    """A receiver on 127.0.0.1 that reads the request, sends ``head`` at once, then ``payload`` one byte
    every ``interval`` seconds (a slow-loris answer: every single read succeeds, the whole never ends in
    time). ``http``: read an HTTP request first; otherwise whatever arrives first (a TLS ClientHello)."""

    url: str = ""
    port: int = 0
    head: bytes = b""
    payload: bytes = b"HTTP/1.0 200 OK\r\n\r\nok"
    interval: float = 0.5
    http: bool = True
    connections: int = 0


def _read_http_request(sock: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return
        body += chunk


@pytest.fixture
def dripper() -> Iterator[Dripper]:
    state = Dripper()
    stopping = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(30)
            state.connections += 1
            try:
                if state.http:
                    _read_http_request(sock)
                else:
                    sock.recv(65536)
                if state.head:
                    sock.sendall(state.head)
                for byte in state.payload:
                    if stopping.is_set():
                        return
                    sock.sendall(bytes([byte]))
                    time.sleep(state.interval)
            except OSError:
                return  # the client hung up

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.port = server.server_address[1]
    state.url = f"http://127.0.0.1:{state.port}/ikd/hook"
    try:
        yield state
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
