"""The shared sandbox machinery: fault injection, replayable faults, journal, control endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from tests.sandbox_fixtures import make_adapter
from vendors.sandbox.faults import FaultConfig, FaultInjector

VENDOR = "redstor"


def list_url(sandbox) -> str:
    return f"{sandbox.vendor_url(VENDOR)}/companies"


def test_it_answers_an_injected_5xx_in_the_vendor_format(sandbox):
    sandbox.set_faults(VENDOR, error_rate=1.0)
    answer = requests.get(list_url(sandbox), timeout=5)
    assert answer.status_code == 500
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert sandbox.journal.entries(VENDOR)[-1].outcome == "fault:error"


def test_it_throttles_with_retry_after_in_the_vendor_format(sandbox):
    sandbox.set_faults(VENDOR, throttle_rate=1.0, retry_after=7)
    answer = requests.get(list_url(sandbox), timeout=5)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert answer.json()["status"] == 429


def test_it_drops_the_connection_before_handling(sandbox):
    sandbox.set_faults(VENDOR, drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        requests.get(list_url(sandbox), timeout=5)
    assert sandbox.journal.entries(VENDOR)[-1].outcome == "fault:drop"


def test_it_applies_a_write_and_then_drops_the_answer(sandbox):
    from tests.vendors.test_adapter_contract import spec_for
    from vendors.errors import VendorOutcomeUnknown

    adapter = make_adapter(sandbox, VENDOR)
    spec = spec_for(adapter)
    sandbox.set_faults(VENDOR, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        adapter.create_tenant(spec, idempotency_key="k1")
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1
    assert adapter.find_tenant(spec.reference, spec.name) is not None


def test_it_garbles_the_body_when_asked(sandbox):
    sandbox.set_faults(VENDOR, malformed_rate=1.0)
    answer = requests.get(list_url(sandbox), timeout=5)
    with pytest.raises(ValueError):
        answer.json()
    assert sandbox.journal.entries(VENDOR)[-1].outcome == "fault:malformed"


def test_it_adds_latency(sandbox):
    sandbox.set_faults(VENDOR, latency_ms=300)
    started = time.monotonic()
    requests.get(list_url(sandbox), timeout=5)
    assert time.monotonic() - started >= 0.3


def test_the_same_seed_replays_the_same_faults():
    config = {"error_rate": 0.2, "throttle_rate": 0.1, "drop_rate": 0.05, "seed": 42}
    runs = []
    for _ in range(2):
        injector = FaultInjector(FaultConfig(**config))
        runs.append([injector.decide("/companies", write=False) for _ in range(200)])
    assert runs[0] == runs[1]
    assert {"error", "throttle", "drop"} <= set(runs[0])
    other = FaultInjector(FaultConfig(**{**config, "seed": 43}))
    assert [other.decide("/companies", write=False) for _ in range(200)] != runs[0]


def test_faults_are_set_and_read_through_the_control_endpoint(sandbox):
    url = f"{sandbox.url}/_control/faults/{VENDOR}"
    answer = requests.put(url, json={"error_rate": 1.0, "max_faults": 1}, timeout=5)
    assert answer.json()["error_rate"] == 1.0
    assert requests.get(list_url(sandbox), timeout=5).status_code == 500
    assert requests.put(url, json={"bogus": 1}, timeout=5).status_code == 400
    requests.delete(url, timeout=5)
    journal = requests.get(
        f"{sandbox.url}/_control/journal", params={"vendor": VENDOR}, timeout=5
    ).json()
    assert [e["outcome"] for e in journal][:1] == ["fault:error"]


def test_the_command_line_server_seeds_1000_tenants_per_vendor_in_under_10_seconds(tmp_path):
    from bench._sandbox import free_port

    port = free_port()
    describe = tmp_path / "describe.json"
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vendors.sandbox",
            "--port",
            str(port),
            "--seed",
            "1000",
            "--describe",
            str(describe),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/_control/", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() - started < 10, "not serving within 10 s"
                time.sleep(0.1)
        ready_s = time.monotonic() - started
        vendors = json.loads(describe.read_text())["vendors"]
        for vendor in vendors:
            state = requests.get(
                f"http://127.0.0.1:{port}/_control/{vendor}/state", timeout=30
            ).json()
            assert len(state["tenants"]) >= 1000, vendor
        assert ready_s < 10
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_help_and_the_docs_name_every_control_call_and_mutation():
    from pathlib import Path

    from vendors.sandbox.server import MUTATIONS

    shown = subprocess.run(
        [sys.executable, "-m", "vendors.sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    docs = (Path(__file__).resolve().parents[2] / "docs" / "sandbox.md").read_text()
    for text in (shown, docs):
        for call in ("/_control/journal", "/_control/faults/", "/_control/variants/",
                     "/_control/reset", "/mutate", "/state"):  # fmt: skip
            assert call in text
        for method in MUTATIONS:
            assert method in text


def test_a_mutation_with_bad_arguments_answers_400_with_the_reason(sandbox):
    answer = requests.post(
        f"{sandbox.url}/_control/redstor/mutate",
        json={"method": "set_usage", "args": ["no-such-company", "2026-11-01", {}]},
        timeout=5,
    )

    assert answer.status_code == 400
    assert "no-such-company" in answer.json()["error"]


def test_a_usage_mutation_takes_the_month_as_json_text(sandbox):
    import datetime as dt

    company = sandbox.sandboxes["redstor"].snapshot()["tenants"][0]["companyId"]
    month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    answer = requests.post(
        f"{sandbox.url}/_control/redstor/mutate",
        json={"method": "set_usage", "args": [company, month.isoformat(), {"activeSeats": 9}]},
        timeout=5,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"done": "set_usage"}
