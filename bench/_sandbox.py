"""Run the vendor sandboxes in their own process, as a real vendor would be."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    """``python -m vendors.sandbox`` in a subprocess; ``mutate`` reaches its control endpoint."""

    def __init__(self, vendors: list[str], tenants: int, *, rate_limits: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        describe = Path(tempfile.mkdtemp(prefix="sandbox-")) / "describe.json"
        command = [
            sys.executable,
            "-m",
            "vendors.sandbox",
            "--port",
            str(self.port),
            "--seed",
            str(tenants),
            "--random-seed",
            "1",
            "--describe",
            str(describe),
        ]
        for vendor in vendors:
            command += ["--vendor", vendor]
        if not rate_limits:
            command.append("--no-rate-limit")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/_control/", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if self.process.poll() is not None:
                    raise RuntimeError("the sandbox process exited") from None
                time.sleep(0.2)
        self.vendors = json.loads(describe.read_text())["vendors"]

    def base_url(self, vendor: str) -> str:
        return self.vendors[vendor]["base_url"]

    def credentials(self, vendor: str) -> dict[str, str]:
        return self.vendors[vendor]["credentials"]

    def mutate(self, vendor: str, method: str, *args) -> None:
        requests.post(
            f"{self.url}/_control/{vendor}/mutate",
            json={"method": method, "args": list(args)},
            timeout=10,
        ).raise_for_status()

    def journal(self, vendor: str | None = None) -> list[dict]:
        params = {"vendor": vendor} if vendor else {}
        return requests.get(f"{self.url}/_control/journal", params=params, timeout=30).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
