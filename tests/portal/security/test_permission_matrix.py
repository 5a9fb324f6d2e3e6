"""Every page and every API endpoint, as every kind of user, on objects of two resellers.

The URLs are collected from the resolver (namespaces below), so a page or endpoint added later
is walked too; ``test_it_knows_how_to_build_every_url`` fails when one needs an object this
file does not know how to make yet. Users: anonymous, viewer, operator, distributor admin and
an operator scoped to reseller A. Rules checked:

* anonymous: never answered (sign-in redirect, 401 or 403), and nothing changes;
* scoped user of A: every object of reseller B (and distributor-only rows) is 404;
* viewer: no write: the API refuses (403); a page refuses or answers without any change
  (every row count and latest ``updated_at`` of our models compared before and after);
* operator: no connection or user management (403);
* admin and the scoped user on A's objects: the page answers (so the matrix is not vacuous).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.accounts.models import Role
from portal.accounts.tokens import token_create
from portal.audit.services import audit_record
from tests import factories

pytestmark = pytest.mark.django_db

NAMESPACES = {
    "web", "usage", "billing", "accounts", "me", "audit", "api", "notifications", "approvals",
}  # fmt: skip
#: URL name -> what its ``pk`` is. Everything under a reseller is "scoped"; the rest is global.
SCOPED = {
    "web:customer-detail": "customer",
    "web:customer-edit": "customer",
    "web:customer-bulk": "reseller",
    "web:tenant-action": "tenant",
    "web:subscription-action": "subscription",
    "web:operation-detail": "operation",
    "web:operation-status": "operation",
    "web:operation-retry": "failed_operation",
    "web:operation-cancel": "operation",
    "web:batch-detail": "batch",
    "web:batch-status": "batch",
    "web:batch-resume": "batch",
    "web:discrepancy-resolve": "discrepancy",
    "usage:customer": "customer",
    "api:customer-detail": "customer",
    "api:tenant-detail": "tenant",
    "api:tenant-link": "tenant",
    "api:subscription-detail": "subscription",
    "api:usage-detail": "usage",
    "api:operation-detail": "operation",
    "api:operation-cancel": "operation",
    "api:operation-retry": "failed_operation",
    "api:operationbatch-detail": "batch",
    "api:discrepancy-detail": "discrepancy",
    "api:discrepancy-resolve": "discrepancy",
    "api:auditevent-detail": "audit",
    "api:billingline-detail": "billing_line",
    "api:approval-detail": "approval",
    "api:approval-approve": "approval",
    "api:approval-reject": "approval",
    "api:approval-withdraw": "approval",
    "approvals:detail": "approval",
    "approvals:decide": "approval",
    "approvals:withdraw": "approval",
}
GLOBAL = {
    "web:connection-detail": "connection",
    "web:connection-edit": "connection",
    "web:connection-test": "connection",
    "web:connection-sync": "connection",
    "web:sync-detail": "sync_run",
    "web:sync-progress": "sync_run",
    "web:unmatched-adopt": "unmatched",
    "api:connection-detail": "connection",
    "api:connection-collect-usage": "connection",
    "api:connection-sync": "connection",
    "api:connection-test": "connection",
    "api:product-detail": "product",
    "api:syncrun-detail": "sync_run",
    "api:webhooksubscription-detail": "webhook_subscription",
    "api:webhooksubscription-send-test": "webhook_subscription",
    "api:webhookdelivery-detail": "webhook_delivery",
    "api:webhookdelivery-redeliver": "webhook_delivery",
    "billing:price-edit": "price_entry",
    "billing:statement": "statement",
    "billing:statement-accept": "statement_row",
    "billing:statement-mapping": "connection",
    "api:statement-detail": "statement",
    "api:statement-rows": "statement",
    "accounts:detail": "member",
    "accounts:deactivate": "member",
    "accounts:activate": "member",
    "accounts:invite-resend": "member",
    "accounts:token-revoke": "member",
    # The admin's own notice: anyone else (scoped or not) finds no such notice.
    "notifications:open": "notice",
    "notifications:read": "notice",
    "approvals:policy-edit": "approval_policy",
    "approvals:policy-delete": "approval_policy",
}
#: Unscoped rows a scoped user must not reach either (distributor-only).
DISTRIBUTOR_ONLY = {"unmatched", "statement", "statement_row"}
EXTRA_KWARGS = {
    "kind": {
        "web:customer-bulk": "suspend",
        "web:tenant-action": "suspend",
        "web:subscription-action": "change_seats",
    },
    "how": {"web:discrepancy-resolve": "ignore"},
}
#: Connection and user management: operators are refused (writes; the user pages entirely).
MANAGEMENT = {
    ("web:connection-create", "*"),
    ("web:connection-edit", "*"),
    ("api:connection-list", "post"),
    ("api:connection-detail", "put"),
    ("api:connection-detail", "patch"),
    # Approval policies: distributor admins only, reading them too.
    ("approvals:policies", "*"),
    ("approvals:policy-create", "*"),
    ("approvals:policy-edit", "*"),
    ("approvals:policy-delete", "*"),
}
SAFE = {"get", "head", "options"}
#: Each signed-in user's own account: theirs to change whatever their role.
SELF_SERVICE = {"me:home", "me:password", "notifications:read-all", "notifications:preferences"}
#: The API's catch-all 404 for unknown paths.
NOT_PAGES = {"not-found"}


@dataclasses.dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:name"
    kwargs: tuple[str, ...]
    defaults: tuple[str, ...]
    methods: tuple[str, ...]
    api: bool

    @property
    def resource(self) -> str | None:
        return SCOPED.get(self.name) or GLOBAL.get(self.name)


def _walk(resolver, namespace=None) -> Iterator[tuple[str | None, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, pattern.namespace or namespace)
        else:
            yield namespace, pattern


def endpoints() -> list[Endpoint]:
    found: dict[str, Endpoint] = {}
    for namespace, pattern in _walk(get_resolver()):
        if namespace not in NAMESPACES or not pattern.name or pattern.name in NOT_PAGES:
            continue
        kwargs = tuple(sorted(pattern.pattern.regex.groupindex))
        if "format" in kwargs:  # the same view again with a ".json" suffix
            continue
        actions = getattr(pattern.callback, "actions", None)
        api = namespace == "api"
        methods = tuple(actions) if actions else (("get",) if api else ("get", "post"))
        name = f"{namespace}:{pattern.name}"
        found.setdefault(name, Endpoint(name, kwargs, tuple(pattern.default_args), methods, api))
    return sorted(found.values(), key=lambda e: e.name)


ENDPOINTS = endpoints()


# -- the world: two resellers with one of everything each ---------------------------------------


def _billing_run(connection):
    """Last month's frozen run at the connection, the billing page's default."""
    from portal.billing.models import BillingRun
    from portal.usage.collection import previous_month

    return BillingRun.objects.filter(connection=connection).first() or (
        factories.BillingRunFactory(connection=connection, period=previous_month())
    )


def _side(reseller, connection, admin):
    customer = factories.CustomerFactory(parent=reseller)
    tenant = factories.TenantFactory(customer=customer, connection=connection)
    subscription = factories.SubscriptionFactory(tenant=tenant)
    billing_line = factories.BillingLineFactory(
        run=_billing_run(connection),
        price__product__connection=connection,
        tenant=tenant,
        reseller=reseller,
        subscription=subscription,
    )
    failed = factories.OperationFactory(
        tenant=tenant, subscription=subscription, state="failed", requested_by=admin
    )
    return {
        "reseller": reseller,
        "customer": customer,
        "tenant": tenant,
        "subscription": subscription,
        "usage": factories.UsageRecordFactory(tenant=tenant, subscription=subscription),
        "operation": factories.OperationFactory(
            tenant=tenant, subscription=subscription, requested_by=admin
        ),
        "failed_operation": failed,
        "batch": factories.OperationBatchFactory(customer=reseller, requested_by=admin),
        "discrepancy": factories.DiscrepancyFactory(tenant=tenant, subscription=subscription),
        "audit": audit_record(action="customer.updated", obj=customer, customer=customer),
        "billing_line": billing_line,
        "approval": factories.ApprovalFactory(
            operation__tenant=tenant,
            operation__subscription=subscription,
            operation__requested_by=admin,
            policy__reseller=reseller,
        ),
    }


def _webhook_rows(admin) -> dict:
    try:
        WebhookSubscription = apps.get_model("events", "WebhookSubscription")
        WebhookDelivery = apps.get_model("events", "WebhookDelivery")
    except LookupError:
        return {}
    subscription = WebhookSubscription.objects.create(
        name="billing", url="https://billing.example/hook", event_types=[], created_by=admin
    )
    delivery = WebhookDelivery.objects.create(subscription=subscription, event_type="ping")
    return {"webhook_subscription": subscription, "webhook_delivery": delivery}


def _notice(user):
    from portal.notifications.models import MailState, Notice

    return Notice.objects.create(
        user=user, kind="operation.failed", event_id="5f0b9d2e-1c1a-4c7e-9d55-2a6f0e8b7c11",
        title="Operation #1 failed", url="/operations/", mail_state=MailState.NONE,
    )  # fmt: skip


@pytest.fixture
def world():
    connection = factories.VendorConnectionFactory()
    admin = factories.ProfileFactory(role=Role.ADMIN).user
    reseller_a, reseller_b = factories.ResellerFactory(), factories.ResellerFactory()
    member = factories.ProfileFactory(role=Role.VIEWER).user
    token, _ = token_create(user=member, name="matrix")
    users = {
        "anonymous": None,
        "viewer": factories.ProfileFactory(role=Role.VIEWER).user,
        "operator": factories.ProfileFactory(role=Role.OPERATOR).user,
        "admin": admin,
        "scoped": factories.ProfileFactory(role=Role.OPERATOR, reseller=reseller_a).user,
    }
    shared = {
        "connection": connection,
        "sync_run": factories.SyncRunFactory(connection=connection),
        "product": factories.ProductFactory(connection=connection),
        "price_entry": factories.PriceEntryFactory(product__connection=connection),
        "statement": (statement := factories.StatementFactory(connection=connection)),
        "statement_row": factories.StatementRowFactory(statement=statement),
        "unmatched": factories.TenantFactory(connection=connection, customer=None),
        "member": member,
        "member_token": token,
        "notice": _notice(admin),
        "approval_policy": factories.ApprovalPolicyFactory(),
        **_webhook_rows(admin),
    }
    return {
        "users": users,
        "A": _side(reseller_a, connection, admin),
        "B": _side(reseller_b, connection, admin),
        "shared": shared,
    }


def url_for(endpoint: Endpoint, world, side: str) -> str | None:
    """The URL on ``side``'s object (A or B) or on the shared object; None if not buildable."""
    kwargs = {}
    for name in endpoint.kwargs:
        if name in EXTRA_KWARGS:
            if endpoint.name not in EXTRA_KWARGS[name]:
                return None
            kwargs[name] = EXTRA_KWARGS[name][endpoint.name]
        elif name == "pk":
            if endpoint.resource is None:
                return None
            rows = world[side] if endpoint.name in SCOPED else world["shared"]
            kwargs["pk"] = rows[endpoint.resource].pk
        elif name == "token_pk":
            kwargs["token_pk"] = world["shared"]["member_token"].pk
        else:
            return None
    return reverse(endpoint.name, kwargs=kwargs)


def snapshot() -> dict:
    """Row counts and latest change of every model of ours: 'nothing changed' made checkable."""
    state = {}
    for model in apps.get_models():
        if not model.__module__.startswith(("portal.", "django.contrib.auth")):
            continue
        manager = model._base_manager
        state[model._meta.label] = manager.count()
        if any(f.name == "updated_at" for f in model._meta.fields):
            state[model._meta.label + ".updated_at"] = manager.aggregate(m=Max("updated_at"))["m"]
    User = apps.get_model("auth", "User")
    state["active users"] = User.objects.filter(is_active=True).count()
    state["roles"] = sorted(
        apps.get_model("accounts", "Profile").objects.values_list("pk", "role", "reseller_id")
    )
    state["revoked tokens"] = (
        apps.get_model("accounts", "ApiToken").objects.filter(revoked_at__isnull=False).count()
    )
    return state


def call(client: Client, endpoint: Endpoint, method: str, url: str):
    if endpoint.api:
        return getattr(client, method)(url, data={}, content_type="application/json")
    return getattr(client, method)(url, {})


def clients(world) -> dict[str, Client]:
    made = {}
    for role, user in world["users"].items():
        client = Client()
        if user is not None:
            client.force_login(user)
        made[role] = client
    return made


def is_management(endpoint: Endpoint, method: str) -> bool:
    namespace = endpoint.name.split(":")[0]
    return (
        namespace == "accounts"
        or (endpoint.name, "*") in MANAGEMENT
        or (endpoint.name, method) in MANAGEMENT
    )


# -- the tests ---------------------------------------------------------------------------------


def test_it_knows_how_to_build_every_url(world):
    unbuildable = [e.name for e in ENDPOINTS if e.kwargs and url_for(e, world, "A") is None]

    assert len(ENDPOINTS) > 40, "the resolver walk found too few URLs"
    assert unbuildable == [], (
        "add these URL names to SCOPED/GLOBAL/EXTRA_KWARGS in this file: " + ", ".join(unbuildable)
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_it_enforces_roles_and_scope(endpoint, world):
    problems = []
    made = clients(world)
    sides = ("A", "B") if endpoint.name in SCOPED else ("shared",)
    for side in sides:
        url = url_for(endpoint, world, "A" if side == "shared" else side)
        if url is None:
            continue
        for method in endpoint.methods:
            writes = method not in SAFE
            for role, client in made.items():
                if role == "admin" and writes:
                    continue  # admins may write; their writes would change the world under test
                if role == "scoped" and writes and side == "A" and endpoint.name in SCOPED:
                    continue  # their own reseller's objects: theirs to change
                if (
                    role == "scoped"
                    and writes
                    and not endpoint.kwargs
                    and not is_management(endpoint, method)
                ):
                    continue  # creating within their scope (the service checks the parent)
                if role == "operator" and writes and not is_management(endpoint, method):
                    continue
                if writes and endpoint.name in SELF_SERVICE:
                    continue  # everyone's own password and tokens (other users' tokens: 404)
                before = snapshot() if writes else None
                response = call(client, endpoint, method, url)
                status = response.status_code
                changed = writes and snapshot() != before
                where = f"{role} {method.upper()} {url} -> {status}"
                if role == "anonymous":
                    if not (status in (401, 403, 405) or _to_sign_in(response)) or changed:
                        problems.append(f"{where}: anonymous must be refused")
                elif role == "scoped" and (side == "B" or endpoint.resource in DISTRIBUTOR_ONLY):
                    # 405: a POST-only URL refuses GET before it looks anything up.
                    if status not in (404, 405) or (status == 405 and writes) or changed:
                        problems.append(f"{where}: outside the scope must be 404")
                elif role in ("viewer", "operator", "scoped") and writes:
                    # Pages: refused, or answered (a read-only page, a redirect) with no change.
                    refused = status in (403, 404, 405) or (status in (200, 302) and not changed)
                    if endpoint.api:
                        refused = status in (403, 404, 405) and not changed
                    if role in ("operator", "scoped") and is_management(endpoint, method):
                        refused = status in (403, 404) and not changed
                    if not refused:
                        problems.append(f"{where}: {role} must not write here")
                elif role in ("viewer", "operator") and is_management(endpoint, method):
                    if status not in (403, 404):
                        problems.append(f"{where}: {role} must not manage users/connections")
                elif role == "scoped" and writes:
                    if status not in (403, 404, 405) or changed:
                        problems.append(f"{where}: distributor rows are not a scoped user's")
                elif must_open(role, side, writes) and status >= 400 and status != 405:
                    problems.append(f"{where}: {role} must be able to open it")
    assert problems == [], "\n".join(problems)


def must_open(role: str, side: str, writes: bool) -> bool:
    return role == "admin" or (role == "scoped" and side == "A" and not writes)


def _to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_scoped_user_never_sees_cost_or_margin_by_page_api_or_export(world):
    """Cost and margin are the distributor's: distinct figures on B's and A's lines, then every
    door a scoped user has must show neither A's cost nor anything of B."""
    a, b = world["A"]["billing_line"], world["B"]["billing_line"]
    type(a).objects.filter(pk=a.pk).update(cost="11.11", margin="28.89", unit_cost="1.1110")
    type(a.price).objects.filter(pk=a.price_id).update(unit_cost="1.1110")
    type(b).objects.filter(pk=b.pk).update(amount="77.77")
    a.refresh_from_db()
    client = clients(world)["scoped"]
    doors = {
        "page": client.get("/billing/").content.decode(),
        "export": b"".join(client.get("/billing/export.csv").streaming_content).decode(),
        "api": client.get("/api/v1/billing-lines/").content.decode(),
        "api detail": client.get(f"/api/v1/billing-lines/{a.pk}/").content.decode(),
        "price book": client.get("/billing/prices/").content.decode(),
        "price export": client.get("/billing/prices/export.csv").content.decode(),
        "margin report": client.get("/billing/margins/").content.decode(),
        "statements": client.get("/billing/statements/").content.decode(),
        "statements api": client.get("/api/v1/statements/").content.decode(),
    }
    leaks = [
        f"{door}: {figure}"
        for door, body in doors.items()
        for figure in ("11.11", "28.89", "1.1110", "77.77", "Margin", 'margin"')
        if figure in body and not (figure == 'margin"' and '"margin":null' in body.replace(" ", ""))
    ]
    assert leaks == []
    assert str(a.amount) in doors["page"] and str(a.amount) in doors["export"]
    staff = clients(world)["admin"].get("/billing/").content.decode()
    assert "11.11" in staff and "77.77" in staff  # the figures are there to leak
    staff_doors = {
        url: clients(world)["admin"].get(url)
        for url in ("/billing/prices/", "/billing/prices/export.csv", "/billing/margins/")
    }
    assert "1.1110" in staff_doors["/billing/prices/"].content.decode()
    assert b"1.1110" in b"".join(staff_doors["/billing/prices/export.csv"].streaming_content)
    assert "28.89" in staff_doors["/billing/margins/"].content.decode()
