"""Set up Django for a benchmark on a fresh database (SQLite file by default, or --database-url)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(database_url: str | None) -> str:
    """Point Django at the benchmark database, migrate it and empty the portal's tables."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if not database_url:
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    return database_url


def count_writes(queries: list[dict]) -> int:
    return sum(
        1 for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    )
