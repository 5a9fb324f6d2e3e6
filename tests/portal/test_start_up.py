"""What ``make run`` tells a new staff member: the login last and kept, the backlog, where mail goes."""

from __future__ import annotations

import datetime as dt
import io
import stat
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from portal.accounts.first_login import password_file, password_kept
from portal.core.management.commands.demo_setup import boxed
from portal.sync.enqueue import usage_request
from portal.sync.models import SyncRun, SyncRunStatus, SyncScope
from portal.usage.backlog import usage_backlog
from portal.usage.collection import previous_month
from tests.factories import ProfileFactory


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_first_login_is_kept_in_var_readable_by_its_owner_only(db, var_dir):
    out = io.StringIO()

    call_command("ensure_staff_user", stdout=out)

    path = password_file()
    assert path.parent == var_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    username, password = path.read_text().splitlines()
    assert username == "admin" and password in out.getvalue()
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert password_kept() == ("admin", password)


def test_a_kept_password_that_no_longer_signs_in_is_deleted(db, var_dir):
    call_command("ensure_staff_user", stdout=io.StringIO())
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed by its owner")
    user.save()

    assert password_kept() is None
    assert not password_file().exists()


def test_demo_setup_ends_with_the_address_and_login_in_a_box(
    sandbox, transactional_db, var_dir, settings
):
    from portal.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("ensure_staff_user", stdout=io.StringIO())
    login = password_kept()
    assert login is not None
    out = io.StringIO()
    app.conf.task_always_eager = True
    try:
        call_command(
            "demo_setup",
            sandbox_url=sandbox.url,
            portal_url="http://portal.test",
            wait=30,
            backlog_wait=0,
            stdout=out,
            stderr=io.StringIO(),
        )
    finally:
        app.conf.task_always_eager = False

    lines = out.getvalue().rstrip().splitlines()
    assert lines[-1].startswith("+-") and lines[-1].endswith("-+")
    box = lines[lines.index(lines[-1]) :]  # from the opening rule to the closing one
    text = "\n".join(box)
    assert "Open http://portal.test/ and sign in" in text
    assert f"as {login[0]} with password {login[1]}" in text
    assert str(password_file()) in text
    assert "printed on the web server's console" in text  # the dev mail backend
    usage = SyncRun.objects.filter(scope=SyncScope.USAGE)
    assert not usage.exclude(status=SyncRunStatus.SUCCEEDED).exists()  # no past month refused
    from portal.billing.runs import billing_preview
    from portal.catalog.models import Product, VendorConnection

    assert not Product.objects.filter(prices__isnull=True).exists()  # every product has a price
    this_month = [billing_preview(c, dt.date.today()) for c in VendorConnection.objects.all()]
    assert any(p.lines for p in this_month)  # the billing page's dry run has figures


def test_boxed_lines_share_one_width():
    box = boxed(["short", "a longer line"]).splitlines()
    assert len({len(line) for line in box}) == 1
    assert box[1] == "| short         |"


@pytest.mark.worker
@pytest.mark.slow
def test_the_dashboard_shows_the_usage_months_still_being_collected(
    sandbox, celery_worker_process, transactional_db, client
):
    from portal.catalog.models import VendorConnection

    connection = VendorConnection.objects.create(
        vendor="redstor",
        name="Redstor sandbox",
        base_url=sandbox.vendor_url("redstor"),
        credentials=sandbox.sandboxes["redstor"].credentials(),
    )
    sandbox.set_faults("redstor", latency_ms=300)  # the worker takes a moment per month
    month = previous_month()
    for _ in range(3):
        usage_request(connection, month, triggered_by="test")
        month = previous_month(month)
    client.force_login(ProfileFactory().user)

    backlog = usage_backlog()
    assert backlog is not None and backlog.requested == 3 and backlog.pending >= 1
    page = client.get("/").content.decode()
    assert "Collecting usage history" in page and "of 3 months collected" in page

    deadline = time.monotonic() + 90
    while usage_backlog() is not None and time.monotonic() < deadline:
        time.sleep(1)
    assert usage_backlog() is None
    assert "Collecting usage history" not in client.get("/").content.decode()


def test_an_invitation_says_where_the_mail_went(db, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    from portal.accounts.models import Role

    client.force_login(ProfileFactory(role=Role.ADMIN).user)
    answer = client.post(
        "/users/new/",
        {"username": "newbie", "email": "newbie@example.com", "role": "viewer"},
        follow=True,
    )

    assert answer.status_code == 200
    text = answer.content.decode()
    assert "mailed to newbie@example.com" in text
    assert "printed on the web server&#x27;s console" in text
    assert mail.outbox == []  # the console backend, not the test outbox, took it
