"""Page markup lives in templates: Python under ``portal/`` builds no HTML, except the table
layer (``portal/web/tables.py``, which draws cells) and template tags."""

from __future__ import annotations

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[3] / "portal"

#: Where Python may build markup: the table layer and template tags.
ALLOWED = ("web/tables.py", "/templatetags/")

TAG = re.compile(
    r"<(?:a|br|button|code|details|div|form|input|li|option|p|pre|rect|select|span|summary|svg|"
    r"table|tbody|td|text|th|thead|time|tr|ul)[\s>/]"
)
BUILDERS = re.compile(r"\b(?:mark_safe|format_html|format_html_join|SafeString)\(")
NOQA = re.compile(r"noqa:\s*S308")


def offences(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern in (TAG, BUILDERS, NOQA):
            match = pattern.search(line)
            if match:
                found.append(f"{number}: {match.group(0)!r} in {line.strip()[:90]}")
    return found


def test_no_python_outside_the_table_layer_and_template_tags_builds_html():
    problems = {}
    for path in sorted(PORTAL.rglob("*.py")):
        name = path.relative_to(PORTAL).as_posix()
        if name.startswith(ALLOWED[0]) or ALLOWED[1] in f"/{name}":
            continue
        found = offences(path.read_text())
        if found:
            problems[name] = found
    assert not problems, problems


def test_the_check_finds_markup_and_its_builders():
    assert offences('row = f"<td>{name}</td>"')
    assert offences("return mark_safe(text)  # noqa: S308")
    assert offences('format_html("<span>{}</span>", x)')
    assert not offences('"""Signature: ``v1=<hex HMAC(secret, "<timestamp>.<body>")>``"""')
    assert not offences("if a < b and c<d:")
