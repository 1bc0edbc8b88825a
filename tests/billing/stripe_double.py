"""Stripe for the tests, offline: localstripe for what it keeps, recorded responses for what it lacks.

localstripe (started by ``tests/billing/conftest.py`` on 127.0.0.1 and a free port) keeps customers,
tax rates and invoice items, and signs webhooks. It has no standalone invoices with
``collection_method=send_invoice``, refuses tax id type ``id_npwp`` and has no Checkout Sessions: those
requests are answered here from Stripe's own example objects (``tests/billing/stripe/fixtures.json``,
taken from Stripe's fixtures3.json), filled with the request's values and the amounts Stripe would
compute (the line items kept by localstripe, the tax rate's percentage, half up on hundredths). Every
request the provider makes is recorded, so tests can assert what IKD sent to Stripe.
"""

from __future__ import annotations

import copy
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

FIXTURES = Path(__file__).resolve().parent / "stripe" / "fixtures.json"
_fixtures: dict[str, Any] | None = None

LAUNCHER = """
import sys
from aiohttp import web
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None  # never /tmp/localstripe.pickle: other runs share /tmp
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def fixture(resource: str) -> dict[str, Any]:
    global _fixtures
    if _fixtures is None:
        _fixtures = json.loads(FIXTURES.read_text())["resources"]
    return copy.deepcopy(_fixtures[resource])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_localstripe() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
                base + "/v1/customers", headers={"Authorization": "Bearer sk_test_ikd"}
            )
            with urllib.request.urlopen(request, timeout=1):  # noqa: S310 - http://127.0.0.1 only
                return proc, base
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"localstripe did not start: {proc.communicate()[1]!r}") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("localstripe did not answer")


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(8)


def _stripe_tax(amount: int, percentage: float) -> int:
    return int((Decimal(amount) * Decimal(str(percentage)) / 100).quantize(Decimal(1), ROUND_HALF_UP))


class StripeDouble(stripe.HTTPClient):
    """stripe-python's HTTP client: localstripe behind, recorded responses in front."""

    name = "ikd-test-double"

    def __init__(self, localstripe_base: str) -> None:
        super().__init__()
        self.base = localstripe_base
        self.inner = stripe.new_default_http_client(timeout=10)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.invoices: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, list[dict[str, Any]]] = {}  # invoice items kept by localstripe, by customer
        # Paths (prefix) refused once (400: not retried by stripe-python), to test a refusing provider.
        self.fail_next: set[str] = set()

    # --- stripe.HTTPClient ---

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: Any = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        parts = urlsplit(url)
        path = parts.path
        params = dict(parse_qsl(post_data or parts.query or "", keep_blank_values=True))
        self.requests.append((method, path, params))
        for prefix in list(self.fail_next):
            if path.startswith(prefix):
                self.fail_next.discard(prefix)
                return self._error(400, "invalid_request_error", "simulated refusal")
        answer = self._recorded(method, path, params)
        if answer is not None:
            return json.dumps(answer[1]), answer[0], {"request-id": _new_id("req_")}
        query = f"?{parts.query}" if parts.query else ""
        body, status, rheaders = self.inner.request(method, self.base + path + query, headers, post_data)
        if method == "post" and path == "/v1/invoiceitems" and status == 200:
            item = json.loads(body)
            self.pending.setdefault(item["customer"], []).append(item)  # until an invoice takes them
        return body, status, rheaders

    def close(self) -> None:
        self.inner.close()

    # --- helpers for tests ---

    def sent(self, method: str, path_prefix: str) -> list[dict[str, str]]:
        return [p for m, path, p in self.requests if m == method and path.startswith(path_prefix)]

    def _error(self, status: int, kind: str, message: str) -> tuple[str, int, Mapping[str, str]]:
        return json.dumps({"error": {"type": kind, "message": message}}), status, {}

    def _local(self, path: str) -> dict[str, Any]:
        body, status, _headers = self.inner.request(
            "get", self.base + path, {"Authorization": "Bearer sk_test_ikd"}, None
        )
        assert status == 200, body
        return json.loads(body)

    # --- recorded responses ---

    def _recorded(self, method: str, path: str, p: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        segments = path.strip("/").split("/")
        if (
            method == "post"
            and len(segments) == 4
            and segments[1] == "customers"
            and segments[3] == "tax_ids"
        ):
            obj = fixture("tax_id")
            obj.update(
                id=_new_id("txi_"), customer=segments[2], type=p["type"], value=p["value"], country="ID"
            )
            obj["owner"] = {"customer": segments[2], "type": "customer"}
            return 200, obj
        if segments[:2] == ["v1", "invoices"]:
            return self._invoice(method, segments[2:], p)
        if method == "post" and segments == ["v1", "checkout", "sessions"]:
            return 200, self._checkout(p)
        return None

    def _invoice(self, method: str, rest: list[str], p: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        if method == "post" and not rest:
            return 200, self._create_invoice(p)
        inv = self.invoices.get(rest[0]) if rest else None
        if inv is None:
            return (
                (404, {"error": {"type": "invalid_request_error", "message": "No such invoice"}})
                if rest
                else None
            )
        action = rest[1] if len(rest) > 1 else ""
        now = int(time.time())
        if method == "get" and not action:
            return 200, inv
        if action == "finalize" and inv["status"] == "draft":
            inv.update(status="open", number=f"IKD-{len(self.invoices):04d}")
            inv["hosted_invoice_url"] = f"https://invoice.stripe.com/i/acct_test/{inv['id']}"
            inv["status_transitions"]["finalized_at"] = now
        elif action == "send" and inv["status"] == "open":
            pass
        elif action == "pay" and inv["status"] == "open" and p.get("paid_out_of_band") == "true":
            inv.update(status="paid", paid_out_of_band=True, amount_paid=inv["total"], amount_remaining=0)
            inv["status_transitions"]["paid_at"] = now
        elif action == "void" and inv["status"] in {"draft", "open"}:
            inv["status"] = "void"
            inv["status_transitions"]["voided_at"] = now
        else:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"cannot {action} a {inv['status']} invoice",
                }
            }
        return 200, inv

    def _create_invoice(self, p: dict[str, str]) -> dict[str, Any]:
        customer = p["customer"]
        # The pending items, read back from localstripe (which keeps them).
        items = [self._local(f"/v1/invoiceitems/{i['id']}") for i in self.pending.pop(customer, [])]
        tax_rates = [v for k, v in sorted(p.items()) if k.startswith("default_tax_rates[")]
        percentages = [self._local(f"/v1/tax_rates/{t}")["percentage"] for t in tax_rates]
        subtotal = sum(int(i["amount"]) for i in items)
        tax = sum(_stripe_tax(subtotal, pct) for pct in percentages)
        now = int(time.time())
        inv = fixture("invoice")
        inv.update(
            id=_new_id("in_"),
            customer=customer,
            currency="idr",
            status="draft",
            collection_method=p["collection_method"],
            days_until_due=int(p["days_until_due"]),
            due_date=now + int(p["days_until_due"]) * 86400,
            created=now,
            description=p.get("description"),
            metadata={k[9:-1]: v for k, v in p.items() if k.startswith("metadata[")},
            default_tax_rates=tax_rates,
            subtotal=subtotal,
            subtotal_excluding_tax=subtotal,
            total_excluding_tax=subtotal,
            total=subtotal + tax,
            amount_due=subtotal + tax,
            amount_paid=0,
            amount_remaining=subtotal + tax,
            total_taxes=[{"amount": tax, "tax_behavior": "exclusive", "taxability_reason": "standard_rated"}],
            paid_out_of_band=False,
            hosted_invoice_url=None,
            number=None,
        )
        inv["lines"] = {
            "object": "list",
            "data": items,
            "has_more": False,
            "url": f"/v1/invoices/{inv['id']}/lines",
        }
        inv["status_transitions"] = {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        }
        self.invoices[inv["id"]] = inv
        return inv

    def _checkout(self, p: dict[str, str]) -> dict[str, Any]:
        session = fixture("checkout.session")
        sid = _new_id("cs_test_")
        amount = int(p["line_items[0][price_data][unit_amount]"]) * int(p.get("line_items[0][quantity]", "1"))
        session.update(
            id=sid,
            url=f"https://checkout.stripe.com/c/pay/{sid}",
            mode=p["mode"],
            currency="idr",
            amount_subtotal=amount,
            amount_total=amount,
            customer=p.get("customer"),
            metadata={k[9:-1]: v for k, v in p.items() if k.startswith("metadata[")},
            success_url=p["success_url"],
            cancel_url=p["cancel_url"],
            payment_status="unpaid",
            status="open",
        )
        self.sessions[sid] = session
        return session

    # --- events, as Stripe would send them ---

    def event(self, kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
        event = fixture("event")
        data = {k: v for k, v in copy.deepcopy(obj).items() if not k.startswith("_")}
        event.update(
            id=_new_id("evt_"), type=kind, created=created or int(time.time()), data={"object": data}
        )
        return event


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{ts}.{payload.decode()}", secret)
    return f"t={ts},v1={signature}"
