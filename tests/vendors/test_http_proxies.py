"""The shared HTTP base resolves the proxy environment once, per vendor host."""

from __future__ import annotations

from vendors.registry import get_adapter_class


def test_it_takes_the_proxy_from_the_environment_once(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "sandbox.local")
    adapter_class = get_adapter_class("trendmicro")

    behind_proxy = adapter_class(
        "https://cspi.trendmicro.com", {"access_token": "a", "secret_key": "b"}
    )
    exempt = adapter_class(
        "https://sandbox.local/trendmicro", {"access_token": "a", "secret_key": "b"}
    )

    assert behind_proxy.session.proxies.get("https") == "http://proxy.internal:3128"
    assert "https" not in exempt.session.proxies
    assert behind_proxy.session.trust_env is False
