"""Playwright (sync API) driving Debian's Chromium headless against pytest-django's live server.

Every test gets a fresh page; screenshots of main pages go to ``artifacts/screenshots/`` (CI
keeps the folder). Celery tasks run eagerly in-process unless a test uses the real worker.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.catalog.models import VendorConnection
from portal.sync.services import connection_sync
from tests.factories import DEFAULT_PASSWORD, ProfileFactory
from tests.vendors.options import connection_options as vendor_options

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in the request that queues them (after its transaction commits)."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def operator(transactional_db):
    return ProfileFactory(role=Role.OPERATOR).user


@pytest.fixture
def sign_in(page, operator):
    def go(user=None):
        user = user or operator
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Dashboard").wait_for()
        return page

    return go


@pytest.fixture
def sandbox_connection(sandbox, transactional_db):
    """``sandbox_connection("redstor")``: a connection to the sandbox, catalog synced."""

    def make(vendor: str) -> VendorConnection:
        connection = VendorConnection.objects.create(
            vendor=vendor,
            name=f"{vendor} sandbox",
            base_url=sandbox.vendor_url(vendor),
            credentials=sandbox.sandboxes[vendor].credentials(),
        )
        connection_sync(connection, triggered_by="browser test")
        return connection

    return make


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def confirm(page) -> None:
    """Answer the confirmation dialog every destructive form opens."""
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Yes, go ahead").click()


def send_reviewed(page, *, timeout: float | None = None) -> None:
    """Send a request the server validated and showed back ("Please confirm" on the form pages)."""
    page.locator("#review").get_by_role("button", name="Yes, send it").click(timeout=timeout)


def fill_provision(page, customer, connection, *, seats: str):
    """Fill the provision form as staff do (the vendor's create options included); returns the
    product select."""
    page.goto(f"/provision/?customer={customer.pk}")
    page.get_by_label("Vendor connection").select_option(str(connection.pk))
    product = page.get_by_label("Product / plan")
    expect(product.locator("option")).not_to_have_count(1)  # htmx loaded the catalog
    product.select_option(index=1)
    for name, value in vendor_options(connection).items():  # what this vendor asks for
        page.locator(f"#vendor-options [name=option_{name}]").fill(str(value))
    page.get_by_label("Seats (licences)").fill(seats)
    return product


@pytest.fixture(scope="package", autouse=True)
def _sync_orm_beside_playwright():
    """Playwright's sync API keeps an event loop on the test's thread; the ORM calls the tests
    make between browser steps are still plain synchronous code. Only while browser tests run:
    other tests (and the settings subprocesses they start) must not inherit it."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
