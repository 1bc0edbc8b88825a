"""A lean HTTP/1.1 client for load generators that share the cores with the server they measure.

Why not aiohttp: on the 2-core machine the load generator's own CPU is taken from the server under
test. Against the no-database ping, aiohttp (one connection per request, cookies by hand) cost the
generator 0.85 ms of CPU per request; this client, on asyncio's transports directly, 0.42 ms. In the
whole-Kukar run that difference is about a sixth of a core at the start storm's peak, which belongs to
the server being measured, not to the tool measuring it.

What it does, and only that: one connection per request (``Connection: close``, as nginx proxies to
gunicorn's sync workers, which close it anyway), the response read until the server closes, the
status, the cookies set and the body. Chunked bodies are decoded. A refused, reset or timed-out
connection is status 599, as the benchmarks count it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

FAILED = 599


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str:
        name = name.lower()
        return next((value for key, value in self.headers if key == name), "")

    def cookies(self) -> dict[str, str]:
        """name -> value of every Set-Cookie (attributes ignored)."""
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                pair = value.split(";", 1)[0]
                name, _, cookie = pair.partition("=")
                found[name.strip()] = cookie.strip().strip('"')
        return found

    def json(self) -> Any:
        return json.loads(self.body) if self.header("content-type").startswith("application/json") else None


class _Exchange(asyncio.Protocol):
    def __init__(self, request: bytes, done: asyncio.Future[bytes]) -> None:
        self.request, self.done, self.received = request, done, bytearray()
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.received += data

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if exc is None or self.received:
                self.done.set_result(bytes(self.received))
            else:
                self.done.set_exception(exc)


def _dechunk(body: bytes) -> bytes:
    out, at = bytearray(), 0
    while True:
        end = body.index(b"\r\n", at)
        size = int(body[at:end].split(b";", 1)[0], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        at = end + 2 + size + 2


def parse(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = []
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.append((key.strip().lower(), value.strip()))
    response = Response(status, headers, body)
    if response.header("transfer-encoding").lower() == "chunked":
        response.body = _dechunk(body)
    return response


async def request(
    host: str,
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    timeout: float = 60,
) -> Response:
    """One request on a new connection; status 599 when the connection fails or times out."""
    lines = [f"{method} {path} HTTP/1.1", "Connection: close"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bytes] = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: _Exchange(payload, done), host, port)
            raw = await done
    except (OSError, TimeoutError):
        if transport is not None:
            transport.abort()
        return Response(FAILED)
    try:
        return parse(raw)
    except (ValueError, IndexError):  # a response cut short
        return Response(FAILED)
