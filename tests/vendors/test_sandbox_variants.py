"""Open points of a vendor's document are switches of its sandbox: chosen, refused, reset."""

from __future__ import annotations

import pytest
import requests

from vendors.sandbox import SandboxServer
from vendors.sandbox.__main__ import parse_variant
from vendors.sandbox.base import VendorSandbox


class Sample(VendorSandbox):
    key = "sample"
    variants = {"trial_status": ("NotUsed", "Active"), "listing": ("kept", "dropped")}

    def url_map(self):
        from werkzeug.routing import Map

        return Map([])


def test_it_starts_every_switch_at_its_first_reading():
    assert Sample().variant == {"trial_status": "NotUsed", "listing": "kept"}


def test_it_takes_a_chosen_reading_and_keeps_the_others_at_default():
    assert Sample(variant={"listing": "dropped"}).variant == {
        "trial_status": "NotUsed",
        "listing": "dropped",
    }


@pytest.mark.parametrize(
    ("chosen", "message"),
    [({"colour": "red"}, "no variant 'colour'"), ({"listing": "lost"}, "must be one of")],
)
def test_it_refuses_an_unknown_switch_or_reading(chosen, message):
    with pytest.raises(ValueError, match=message):
        Sample(variant=chosen)


def test_the_command_line_reads_vendor_switch_and_reading():
    assert parse_variant("redstor:trial_status=Active") == ("redstor", "trial_status", "Active")


def test_the_control_api_answers_the_variant_in_force():
    server = SandboxServer(["redstor"]).start()
    try:
        url = f"{server.url}/_control/variants/redstor"
        answer = requests.get(url, timeout=5).json()
        assert answer["variant"] == server.sandboxes["redstor"].variant
        bad = requests.put(url, json={"no_such_switch": "x"}, timeout=5)
        assert bad.status_code == 400
        assert "no variant" in bad.json()["error"]
    finally:
        server.stop()
