"""Every response carries the browser-side hardening headers, and no template needs inline script or style.

The Content-Security-Policy (config.security_headers) allows scripts and styles from the app's own
files only: an inline ``<script>``, an ``onclick=`` or a ``style=`` added to a template would silently
not work in the browser, so the scan below fails first and says where.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.roles import Role
from tests.factories import PASSWORD, make_user

ROOT = Path(settings.BASE_DIR)
SOURCE_DIRS = ["accounts", "assessment", "benchmark", "billing", "config", "frontend", "tenants", "audit"]
REQUIRED = {
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "default-src": "'self'",
}


def policy(response: Any) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def check_headers(response: Any, where: str, *, page: bool = True) -> None:
    csp = policy(response)
    for directive, sources in REQUIRED.items():
        assert csp.get(directive) == sources, (where, directive, csp)
    assert csp["form-action"].startswith("'self'"), where
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"], where
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"], where
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions, (where, permissions)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where
    if page:  # static files are answered before Django's X-Frame-Options; frame-ancestors covers them
        assert response.headers.get("X-Frame-Options") == "DENY", where


def plain_paths(urlconf: str) -> list[str]:
    """Every URL of the configuration that takes no parameter."""

    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found: list[str] = []
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if any(sign in route for sign in "<([\\*+?"):
                continue  # takes a parameter
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append("/" + route)
        return found

    return sorted(set(walk(get_resolver(urlconf).url_patterns, "")))


def signed_in(host: str, user: Any) -> Client:
    client = Client(HTTP_HOST=host)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_every_page_of_the_public_site_carries_the_headers(db: Any) -> None:
    paths = plain_paths(settings.PUBLIC_SCHEMA_URLCONF)
    assert {"/", "/daftar/", "/akun/login/"} <= set(paths)
    anonymous = Client(HTTP_HOST="localhost")
    viewer = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    for client in (anonymous, viewer):
        for path in paths:
            check_headers(client.get(path), path)
    check_headers(anonymous.get("/tidak-ada/"), "404")
    check_headers(anonymous.get("/static/frontend/css/ikd.css"), "static file", page=False)
    check_headers(anonymous.get("/api/docs/?script="), "API docs script")
    # The public site's forms may answer with a redirect to a region's host (signup).
    assert policy(anonymous.get("/"))["form-action"] == "'self' *.localhost:*"


def test_every_page_of_a_region_site_carries_the_headers(db: Any, region_a: Any) -> None:
    paths = plain_paths(settings.ROOT_URLCONF)
    assert {"/tes/", "/tes/sw.js"} <= set(paths)
    anonymous = Client(HTTP_HOST="samarinda.localhost")
    admin = signed_in("samarinda.localhost", make_user(region_a, Role.REGION_ADMIN))
    for client in (anonymous, admin):
        for path in paths:
            if path.endswith("/keluar/") or "logout" in path:
                continue  # would end the session the next pages need
            check_headers(client.get(path), path)
    assert policy(anonymous.get("/"))["form-action"] == "'self'"


def test_no_hsts_on_plain_http_and_hsts_on_https() -> None:
    """HSTS on a localhost demo would lock browsers out of http://localhost for a year: off there; on
    (with the regions' subdomains) where the deployment says it is served over HTTPS."""

    def hsts(**env: str) -> tuple[int, bool]:
        code = "import config.settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
        environment = {
            **os.environ,
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "SECRET_KEY": "only-for-this-check",
            "SECURE_COOKIES": "",
            "BEHIND_TLS_PROXY": "",
            **env,
        }
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=environment,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return int(out[0]), out[1] == "True"

    assert hsts(BASE_DOMAIN="localhost") == (0, False)
    assert hsts(BASE_DOMAIN="ikd.example.go.id") == (31536000, True)
    assert hsts(BASE_DOMAIN="localhost", BEHIND_TLS_PROXY="true") == (31536000, True)


def test_hsts_is_sent_on_https_requests(db: Any, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 31536000, True
    response = Client(HTTP_HOST="localhost").get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in Client(HTTP_HOST="localhost").get("/").headers


# --- The templates: nothing the policy would block -------------------------------------------------

COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.DOTALL | re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
DATA_BLOCK = re.compile(r"""type\s*=\s*["']application/(?:ld\+)?json["']""", re.IGNORECASE)


def our_files(suffix: str) -> list[Path]:
    files: list[Path] = []
    for folder in SOURCE_DIRS:
        if (ROOT / folder).is_dir():
            files += [path for path in (ROOT / folder).rglob(f"*{suffix}") if "migrations" not in path.parts]
    return sorted(files)


def problems_in(text: str) -> list[str]:
    """What the Content-Security-Policy would block in a template's markup."""
    text = COMMENTS.sub("", text)
    found = []
    for attributes, body in SCRIPT.findall(text):
        if "src=" not in attributes and not DATA_BLOCK.search(attributes):
            found.append(f"inline <script>: {body.strip()[:60]!r}")
        elif body.strip() and not DATA_BLOCK.search(attributes):
            found.append(f"<script src> with inline code: {body.strip()[:60]!r}")
    found += [f"event handler: {m.group(0)[-40:]!r}" for m in HANDLER.finditer(text)]
    found += [f"style attribute: {m.group(0)[-40:]!r}" for m in STYLE_ATTRIBUTE.finditer(text)]
    found += ["<style> block" for _ in STYLE_BLOCK.finditer(text)]
    found += [f"javascript: URL: {m.group(0)!r}" for m in JS_URL.finditer(text)]
    return found


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<script src="/static/x.js">alert(1)</script>',
        '<button type="button" onclick="go()">x</button>',
        '<body\n  onload="go()">',
        '<td style="padding-left: 2rem">x</td>',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">x</a>',
    ],
)
def test_the_scan_finds_what_the_policy_blocks(markup: str) -> None:
    assert problems_in(markup)


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="/static/x.js" defer></script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        "{% comment %}<script>old()</script>{% endcomment %}",
        '<p data-confirm="Hapus?">onclick= is only text here</p>',
        '<input name="online" value="1">',
    ],
)
def test_the_scan_leaves_what_the_policy_allows(markup: str) -> None:
    assert problems_in(markup) == []


def test_no_template_has_inline_script_handlers_or_style() -> None:
    templates = our_files(".html")
    assert len(templates) > 30  # the scan sees the templates
    found = {
        str(path.relative_to(ROOT)): problems
        for path in templates
        if (problems := problems_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_python_source_writes_style_or_handler_attributes() -> None:
    """Markup built in Python (the SVG charts, format_html) is held to the same rule."""
    pattern = re.compile(r"""\s(?:style|on[a-z]+)=\\?["']""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in our_files(".py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
