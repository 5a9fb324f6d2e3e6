"""The OpenAPI schema: served, valid, fully described, docs offline, and fuzzed by schemathesis."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import (
    AuditEventFactory,
    CustomerFactory,
    DiscrepancyFactory,
    OperationFactory,
    ProductFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
)
from tests.portal.api.conftest import token_for

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _schema(api) -> dict:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_it_serves_the_schema_to_authenticated_users_only(api, db):
    assert Client().get("/api/schema/").status_code in (401, 403)
    schema = _schema(api)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/operations/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_it_describes_every_endpoint_and_field(api, db):
    schema = _schema(api)
    undescribed = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS and not operation.get("description"):
                undescribed.append(f"{method.upper()} {path}")
    for name, component in schema["components"]["schemas"].items():
        for field, prop in component.get("properties", {}).items():
            if not prop.get("description"):
                undescribed.append(f"{name}.{field}")
    assert undescribed == []


def test_it_shows_examples_and_the_idempotency_header_for_operation_requests(api, db):
    create = _schema(api)["paths"]["/api/v1/operations/"]["post"]
    examples = create["requestBody"]["content"]["application/json"]["examples"]
    assert {e["value"]["kind"] for e in examples.values()} >= {
        "create_tenant", "change_seats", "suspend", "resume", "cancel",
    }  # fmt: skip
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is True


def test_it_serves_the_docs_with_local_assets_only(api, admin, client):
    client.force_login(admin)
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("swagger-ui" in a for a in assets)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    assert "unpkg" not in html and "jsdelivr" not in html and "cdn" not in html.lower()
    assert client.get("/api/redoc/").status_code == 404  # one docs page: see portal/api/urls.py


@pytest.fixture
def fuzz_data(transactional_db):
    """A little of everything, so detail routes and filters find rows."""
    customer = CustomerFactory()
    tenant = TenantFactory(customer=customer)
    subscription = SubscriptionFactory(tenant=tenant)
    UsageRecordFactory(tenant=tenant, subscription=subscription)
    OperationFactory(connection=tenant.connection, customer=customer, tenant=tenant)
    DiscrepancyFactory(tenant=tenant, subscription=subscription)
    SyncRunFactory(connection=tenant.connection)
    AuditEventFactory(customer=customer)
    ProductFactory(connection=tenant.connection)


@pytest.mark.slow
def test_it_passes_schemathesis_against_the_live_schema(live_server, admin, fuzz_data, tmp_path):
    """No 5xx and no answer that violates the schema, over every operation of the API."""
    settings.API_THROTTLE_RATE = "100000/min"
    report = tmp_path / "report.json"
    command = [
        str(Path(sys.executable).with_name("st")), "run", f"{live_server.url}/api/schema/",
        "--url", live_server.url,
        "-H", f"Authorization: Bearer {token_for(admin)}",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance",
        # The coverage phase (boundary values of every parameter) triples the run: CI sets
        # SCHEMATHESIS_PHASES=examples,coverage,fuzzing; make test fuzzes the examples only.
        "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"),
        "--phases", os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing"),
        "--seed", "1",
        "--workers", "1",
        "--request-timeout", "20",
        "--generation-database", "none",
        # A connection test calls the connection's base URL: fuzzed connections point anywhere.
        "--exclude-path-regex", r"/connections/\{id\}/test/",
        "--report", "json", "--report-json-path", str(report),
        "--no-color",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = run.stdout + run.stderr
    cases = re.search(r"(\d+) generated", output)
    print(f"schemathesis: {cases.group(0) if cases else '?'}")
    (Path(settings.VAR_DIR) / "schemathesis-last-run.txt").write_text(output)
    assert run.returncode == 0, output[-6000:]
    assert cases and int(cases.group(1)) > 0, output[-3000:]
