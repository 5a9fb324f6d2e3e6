"""Benchmark of notices at volume: the fan-out of events to 10,000 notices, then the daily
digest run that mails them; the last line is JSON.

    python bench/notify.py [--notices 10000] [--users 200] [--database-url postgres://...]

Seeds ``--users`` distributor operators who chose the daily digest for failed operations and
``--notices / --users`` failed operations. Then:

* fan-out: each operation's ``operation.failed`` event goes through ``notices_record`` (what the
  ``notifications.fan_out`` task runs), one notice per user per event: ``fanout_ms_per_notice``.
* digest run: a separate process (so seeding memory does not count) runs the
  ``notifications.send_digests`` task body, as a worker would, mailing each user's digest to a
  real SMTP server (aiosmtpd, in this process) on a free local port. It reports its own peak
  RSS (``digest_peak_rss_mb``, budget 300 MB) and ``digest_ms_per_notice``; this process then
  checks one mail per user arrived, naming every notice, and that no notice is left unsent.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RSS_BUDGET_MB = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(users: int, events: int) -> list[int]:
    from django.contrib.auth import get_user_model

    from portal.accounts.models import Profile, Role
    from portal.catalog.models import VendorConnection
    from portal.customers.models import Customer, Tenant
    from portal.events.models import EventType
    from portal.notifications.models import Delivery, NotificationPreference
    from portal.operations.models import Operation, OperationKind, OperationState

    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"staff{n:05d}", email=f"staff{n:05d}@bench.example") for n in range(users)]
    )
    people = list(User.objects.filter(username__startswith="staff").order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, role=Role.OPERATOR) for u in people])
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=u, kind=EventType.OPERATION_FAILED, delivery=Delivery.DIGEST
            )
            for u in people
        ]
    )
    connection = VendorConnection.objects.create(
        vendor="bitdefender", name="bench bitdefender", base_url="https://bd.example",
        credentials={},
    )  # fmt: skip
    customer = Customer.objects.create(name="Fabrikam Ltd", reference="CP-B0000001", path="/")
    Customer.objects.filter(pk=customer.pk).update(path=f"/{customer.pk}/")
    tenant = Tenant.objects.create(
        connection=connection, customer=customer, external_id="T-1", name="Fabrikam"
    )
    operations = Operation.objects.bulk_create(
        [
            Operation(
                kind=OperationKind.CHANGE_SEATS,
                state=OperationState.FAILED,
                connection=connection,
                customer=customer,
                tenant=tenant,
                params={"seats": 10 + n},
                idempotency_key=f"bench-{n:06d}",
                last_error="Seats above the licence limit",
            )
            for n in range(events)
        ]
    )
    return [op.pk for op in operations]


def fan_out(operation_ids: list[int]) -> tuple[int, float]:
    from portal.events.models import EventType
    from portal.notifications.services import event_key, notices_record

    started = time.perf_counter()
    made = 0
    for pk in operation_ids:
        made += notices_record(
            event_type=EventType.OPERATION_FAILED,
            events=[(event_key(f"bench:{pk}"), {"operation": pk})],
        )
    return made, time.perf_counter() - started


def digest_child(port: int) -> None:
    """The worker's side: the digest task over SMTP, measured on its own."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    from portal.notifications.tasks import send_digests

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    started = time.perf_counter()
    mailed = send_digests()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"users_mailed": mailed, "seconds": elapsed, "peak_rss_mb": peak_mb}))


def _plain_text(raw: bytes) -> str:
    parts = email.message_from_bytes(raw).walk()
    return next(
        (
            p.get_payload(decode=True).decode()
            for p in parts
            if p.get_content_type() == "text/plain"
        ),
        "",
    )


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--digest-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.digest_child:
        return digest_child(args.digest_child)

    from _django import setup

    database_url = setup(args.database_url)
    from aiosmtpd.controller import Controller

    from portal.notifications.models import MailState, Notice

    events = max(1, args.notices // args.users)
    operation_ids = seed(args.users, events)
    made, fanout_s = fan_out(operation_ids)
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--digest-child", str(port)],
            env={**os.environ, "DATABASE_URL": database_url},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        controller.stop()
    digest = json.loads(child.stdout.strip().splitlines()[-1])
    text = _plain_text(inbox.messages[0]) if inbox.messages else ""
    every_notice_named = all(f"Operation #{pk} " in text for pk in operation_ids)
    result = {
        "database": database_url.split(":", 1)[0],
        "users": args.users,
        "notices": made,
        "fanout_ms_per_notice": round(fanout_s * 1000 / made, 3),
        "digest_ms_per_notice": round(digest["seconds"] * 1000 / made, 3),
        "digest_s": round(digest["seconds"], 2),
        "digest_peak_rss_mb": round(digest["peak_rss_mb"], 1),
        "rss_budget_mb": RSS_BUDGET_MB,
        "mails": len(inbox.messages),
        "mails_expected": args.users,
        "first_mail_names_every_notice": every_notice_named,
        "left_unsent": Notice.objects.exclude(mail_state=MailState.SENT).count(),
    }
    ok = (
        result["digest_peak_rss_mb"] < RSS_BUDGET_MB
        and result["mails"] == args.users
        and every_notice_named
        and result["left_unsent"] == 0
    )
    result["ok"] = ok
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
