"""Where a webhook may be sent: https, to a public address (no SSRF into the platform's network).

A region admin types the URL, and the platform's workers then POST to it; without a check, a URL such as
``http://10.0.0.5:6379/`` or ``http://169.254.169.254/`` would make the workers reach internal services.
So an address is refused when it is private, loopback, link-local, multicast, reserved or unspecified
(IPv4 and IPv6; an IPv4-mapped IPv6 address, ``::ffff:0:0/96``, is checked as the IPv4 address it
maps). Refused too, whatever Python's ``is_global`` says of them: 6to4 (``2002::/16``) and Teredo
(``2001::/32``), which carry an IPv4 address inside that a relay then reaches, private ones included, and
the deprecated site-local ``fec0::/10``, which some networks still route as internal. The check runs
twice:

* when the endpoint is saved (``Endpoint.save``), resolving the host name, for a clear message then;
* at every send, after resolving the name again; the request then goes to the very address that was
  checked (``transport``), so a name that resolves to a public address at the check and to a private one
  a moment later (DNS rebinding) still cannot reach the private one.

Tests and the local demo post to a receiver on 127.0.0.1 over http: ``WEBHOOKS_ALLOW_PRIVATE`` (default:
``DEBUG``) lifts both rules. Never set it in production.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: IPv6 networks refused although Python may call them global (see the module's docstring).
REFUSED_IPV6 = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "fec0::/10",  # site-local (deprecated)
        "2002::/16",  # 6to4: embeds an IPv4 address
        "2001::/32",  # Teredo: embeds an IPv4 address
    )
)


class LookupTimedOut(TimeoutError):
    """The name was not resolved within the time the caller allowed."""


def private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", settings.DEBUG))


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in network for network in REFUSED_IPV6):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL that may be used at all; ValidationError otherwise."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allowed = {"https", "http"} if private_allowed() else {"https"}
    if scheme not in allowed:
        raise ValidationError(_("The address must start with https://."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("The address must not contain a user name or password."), code="userinfo")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError(_("The address has an invalid port."), code="port") from exc
    if not parts.hostname:
        raise ValidationError(_("The address has no host name."), code="host")
    return scheme, parts.hostname, port


def _lookup(host: str, port: int, timeout: float | None) -> list[Any]:
    """``getaddrinfo``; with a ``timeout``, in a helper thread waited for that long (the resolver's own
    time limits are its configuration's, longer than a webhook's deadline). A lookup still running at the
    timeout is left to finish on its own (a daemon thread) and ``LookupTimedOut`` is raised."""
    if timeout is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    outcome: dict[str, Any] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as exc:  # handed over to the waiting thread, which raises it
            outcome["error"] = exc

    worker = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if worker.is_alive():
        raise LookupTimedOut(host)
    if "error" in outcome:
        raise outcome["error"]
    infos: list[Any] = outcome["infos"]
    return infos


def resolve(host: str, port: int, timeout: float | None = None) -> list[str]:
    """The host's addresses, each one allowed; ValidationError if none resolves or any is not public
    (all are checked: a client may connect to any of them). ``LookupTimedOut`` when a ``timeout`` is
    given and the lookup takes longer."""
    try:
        infos = _lookup(host, port, timeout)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(
            _("The host name %(host)s could not be resolved.") % {"host": host}, code="dns"
        ) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not private_allowed():
        for address in addresses:
            if not is_public(ipaddress.ip_address(address.split("%")[0])):
                raise ValidationError(
                    _(
                        "The address %(host)s leads to a private or internal network address, "
                        "which is refused."
                    )
                    % {"host": host},
                    code="private",
                )
    return addresses


def check_url(url: str) -> list[str]:
    """Check a URL before it is saved or used; the addresses to connect to."""
    _scheme, host, port = target(url)
    return resolve(host, port)
