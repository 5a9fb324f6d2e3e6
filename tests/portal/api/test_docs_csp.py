"""The API docs page works under the strict Content-Security-Policy: no inline script or style."""

from __future__ import annotations

import re

from tests.factories import SuperUserFactory


def test_the_docs_page_loads_only_scripts_and_styles_from_our_own_site(client, db):
    client.force_login(SuperUserFactory())

    answer = client.get("/api/docs/")

    assert answer.status_code == 200
    html = answer.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), "inline script is blocked by the CSP"
        source = re.search(r'src="([^"]+)"', attributes).group(1)
        assert source.startswith("/"), source
    assert "<style" not in html, "an inline <style> is blocked by style-src 'self'"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
