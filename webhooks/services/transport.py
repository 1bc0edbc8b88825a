"""One HTTP POST to an endpoint, to the address that was checked (see ``addresses``), with a short timeout.

urllib3 connects to the checked IP address itself while TLS still verifies the certificate for the host
name (``server_hostname``/``assert_hostname``) and the ``Host`` header names the host: the name is not
resolved a second time, so it cannot be re-pointed between the check and the connection. Redirects are
not followed (a redirect could lead anywhere); only the first 2 KB of a response are read, for the log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.core.exceptions import ValidationError

from webhooks.services import addresses

TIMEOUT_SECONDS = 5.0
RESPONSE_KEPT = 2048


@dataclass(frozen=True)
class Response:
    status: int | None  # None: no HTTP answer (refused address, network error, timeout)
    error: str
    duration_ms: int
    #: The address was refused (SSRF check): no point retrying.
    refused: bool = False


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Response:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port = addresses.target(url)
        ip = addresses.resolve(host, port)[0]
    except ValidationError as exc:
        return Response(None, " ".join(exc.messages), elapsed(), refused=exc.code != "dns")
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and port == default_port:
        host_header = f"[{host}]"
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            ip, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", maxsize=1
        )
    else:
        pool = urllib3.HTTPConnectionPool(ip, port, maxsize=1)
    try:
        answer = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            preload_content=False,
        )
        try:
            text = answer.read(RESPONSE_KEPT, decode_content=False)
        finally:
            answer.release_conn()
        status = int(answer.status)
        error = "" if 200 <= status < 300 else f"HTTP {status}: {text.decode('utf-8', 'replace')[:500]}"
        return Response(status, error.strip(), elapsed())
    except urllib3.exceptions.HTTPError as exc:
        return Response(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
    except OSError as exc:
        return Response(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
    finally:
        pool.close()
