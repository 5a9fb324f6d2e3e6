"""``manage.py sync``: on-demand sync and usage collection from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.customers.models import Tenant
from portal.usage.models import UsageRecord


def test_it_syncs_the_named_connection_and_reports_counts(sandbox, connect):
    connection = connect("redstor")
    out = StringIO()

    call_command("sync", str(connection.pk), "--no-progress", stdout=out)

    assert f"{connection.name}: succeeded" in out.getvalue()
    assert Tenant.objects.filter(connection=connection).exists()


def test_it_collects_a_month_of_usage(sandbox, connect):
    from portal.usage.collection import previous_month

    connection = connect("redstor")
    call_command("sync", connection.name, "--no-progress", stdout=StringIO())
    month = previous_month()

    call_command(
        "sync", connection.name, "--usage", f"{month:%Y-%m}", "--no-progress", stdout=StringIO()
    )

    assert UsageRecord.objects.filter(tenant__connection=connection, period=month).exists()


def test_it_refuses_unknown_connections_and_bad_months(sandbox, connect):
    connect("redstor")
    with pytest.raises(CommandError, match="Unknown connection"):
        call_command("sync", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("sync", "--usage", "2026/10", stdout=StringIO())
