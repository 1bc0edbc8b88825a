"""Through a real browser: the region API's documentation (Swagger UI from drf-spectacular-sidecar)
renders its operations from the app's own files, with no CSP violation or script error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_csp_browser import watch

pytestmark = pytest.mark.browser


def test_region_api_docs_render_under_the_strict_policy(committed: None, web_port: int, desktop: Any) -> None:
    page = desktop.new_page()
    violations = watch(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = f"http://samarinda.localhost:{web_port}"
    page.goto(f"{base}/api/v1/docs/")
    page.locator(".swagger-ui .information-container").wait_for()  # its start-up script ran
    page.get_by_text("/api/v1/rounds/{round_id}/results/segments/").first.wait_for()  # the schema loaded
    screenshot(page, "api-v1-docs-1280")
    page.close()
    assert violations == []
    assert requested
    assert [url for url in requested if url.startswith("http") and not url.startswith(base)] == []
