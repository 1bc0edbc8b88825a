"""One HTTP POST to an endpoint, to the address that was checked (see ``addresses``), within a deadline.

urllib3 connects to the checked IP address itself while TLS still verifies the certificate for the host
name (``server_hostname``/``assert_hostname``) and the ``Host`` header names the host: the name is not
resolved a second time, so it cannot be re-pointed between the check and the connection. Redirects are
not followed (a redirect could lead anywhere); only the first 2 KB of a response are read, for the log.

The whole send has one deadline, ``TIMEOUT_SECONDS`` from the start: resolving the name, connecting, the
TLS handshake, sending the request and reading the answer's status line, headers and kept body. A socket
timeout alone would not do: it bounds each read, and a receiver that sends its answer one byte a second
never lets a read wait that long. So:

* the name is looked up in a helper thread the send waits for until the deadline (``addresses``);
* every step's socket timeout is the time left, never more;
* a watchdog timer shuts the connection's socket down when the deadline passes, which ends whatever
  read or write is under way (TLS included: the shutdown acts on the kernel socket under the TLS layer);
* an answer not complete before the deadline is a failed attempt (``DEADLINE_ERROR``), whatever it said
  so far: an answer cut off after ``200 OK`` and half its headers is not a delivery.

So a send, and the delivery's row lock held across it (``delivering.attempt``), lasts at most about
``TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from urllib3.connection import HTTPConnection, HTTPSConnection

from webhooks.services import addresses

#: Seconds the whole send may take, from looking the name up to the last byte of the answer read.
TIMEOUT_SECONDS = 5.0
RESPONSE_KEPT = 2048
READ_CHUNK = 512


@dataclass(frozen=True)
class Response:
    status: int | None  # None: no HTTP answer (refused address, network error, timeout)
    error: str
    duration_ms: int
    #: The address was refused (SSRF check): no point retrying.
    refused: bool = False


def deadline_error(seconds: float) -> str:
    """The reason recorded for a send stopped at its deadline (shown to the admin, so translated)."""
    return _("The receiver did not answer completely within %(seconds)s seconds; the send was stopped.") % {
        "seconds": f"{seconds:g}"
    }


class Watchdog:
    """The send's deadline: the time left for each step, and a timer that shuts the watched sockets down
    when it passes. ``stop`` ends the timer and says whether the deadline passed first."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._stopped = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def step_timeout(self) -> float:
        """A socket timeout for the next step: the time left (a tiny positive one once it is gone, so
        that the step fails at once rather than blocking)."""
        return max(self.remaining(), 0.001)

    @property
    def expired(self) -> bool:
        with self._lock:
            return self._expired or self.remaining() <= 0

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline. A duplicate of its descriptor is kept: TLS takes the
        original socket object over (detaching it), while a shutdown of the duplicate still ends the
        kernel socket both share."""
        duplicate = sock.dup()
        with self._lock:
            if self._stopped:
                duplicate.close()
                return
            self._sockets.append(duplicate)
            if self._expired:
                self._shut(duplicate)

    def stop(self) -> bool:
        """End the watch; True when the deadline passed before (the send is then a failure)."""
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            expired = self._expired or self.remaining() <= 0
            for duplicate in self._sockets:
                duplicate.close()
            self._sockets.clear()
        return expired

    def _expire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._expired = True
            for duplicate in self._sockets:
                self._shut(duplicate)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed by the other side
            sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection whose socket the watchdog shuts down at the deadline; each step's timeout is the
    time left. For HTTPS the TCP socket is watched before the TLS handshake starts on it."""

    timeout: Any

    def __init__(self, *args: Any, watchdog: Watchdog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def _new_conn(self) -> socket.socket:
        self.timeout = self._watchdog.step_timeout()
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        self._watchdog.watch(sock)
        return sock


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _read_kept(answer: Any, watchdog: Watchdog) -> bytes:
    """Up to ``RESPONSE_KEPT`` bytes of the body, in chunks, stopping at the deadline."""
    kept = b""
    while len(kept) < RESPONSE_KEPT and not watchdog.expired:
        chunk = answer.read(min(READ_CHUNK, RESPONSE_KEPT - len(kept)), decode_content=False)
        if not chunk:
            break
        kept += chunk
    return kept


def post(url: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> Response:
    """POST ``body`` to ``url``; the whole send takes at most ``timeout`` seconds (``TIMEOUT_SECONDS``)."""
    seconds = TIMEOUT_SECONDS if timeout is None else timeout
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    watchdog = Watchdog(seconds)
    pool: urllib3.HTTPConnectionPool | None = None
    try:
        try:
            scheme, host, port = addresses.target(url)
            ip = addresses.resolve(host, port, timeout=watchdog.step_timeout())[0]
        except addresses.LookupTimedOut:
            return Response(None, deadline_error(seconds), elapsed())
        except ValidationError as exc:
            return Response(None, " ".join(exc.messages), elapsed(), refused=exc.code != "dns")
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host and port == default_port:
            host_header = f"[{host}]"
        if scheme == "https":
            pool = _WatchedHTTPSConnectionPool(
                ip,
                port,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
                maxsize=1,
                watchdog=watchdog,
            )
        else:
            pool = _WatchedHTTPConnectionPool(ip, port, maxsize=1, watchdog=watchdog)
        try:
            step = watchdog.step_timeout()
            answer = pool.urlopen(
                "POST",
                path,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                timeout=urllib3.Timeout(connect=step, read=step),
                preload_content=False,
            )
            try:
                text = _read_kept(answer, watchdog)
            finally:
                answer.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if watchdog.stop():
                return Response(None, deadline_error(seconds), elapsed())
            return Response(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
        if watchdog.stop():  # an answer cut off at the deadline is no answer
            return Response(None, deadline_error(seconds), elapsed())
        status = int(answer.status)
        error = "" if 200 <= status < 300 else f"HTTP {status}: {text.decode('utf-8', 'replace')[:500]}"
        return Response(status, error.strip(), elapsed())
    finally:
        watchdog.stop()
        if pool is not None:
            pool.close()
