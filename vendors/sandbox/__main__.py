"""``python -m vendors.sandbox --port 8100 --seed 50``: serve every vendor sandbox."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from vendors.registry import SANDBOXES

from .server import CONTROL_API, SandboxServer


def parse_fault(text: str) -> tuple[str, str, float]:
    """``vendor:setting=value`` e.g. ``redstor:error_rate=0.2``."""
    vendor, _, rest = text.partition(":")
    name, _, value = rest.partition("=")
    if vendor not in SANDBOXES or not name or not value:
        raise argparse.ArgumentTypeError(f"expected vendor:setting=value, got {text!r}")
    return vendor, name, float(value)


def parse_variant(text: str) -> tuple[str, str, str]:
    """``vendor:switch=reading`` e.g. ``redstor:trial_status=Active``."""
    vendor, _, rest = text.partition(":")
    name, _, value = rest.partition("=")
    if vendor not in SANDBOXES or not name or not value:
        raise argparse.ArgumentTypeError(f"expected vendor:switch=reading, got {text!r}")
    return vendor, name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vendors.sandbox",
        description=__doc__,
        epilog=CONTROL_API,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--seed", type=int, default=0, help="tenants to create per vendor")
    parser.add_argument("--random-seed", type=int, default=0, help="seed for data and faults")
    parser.add_argument(
        "--vendor", action="append", choices=list(SANDBOXES), help="serve only these"
    )
    parser.add_argument(
        "--fault",
        action="append",
        type=parse_fault,
        default=[],
        help="vendor:setting=value, e.g. redstor:error_rate=0.2 (repeatable)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        type=parse_variant,
        default=[],
        help="vendor:switch=reading: another reading of a point the vendor's document leaves "
        "open, e.g. redstor:trial_status=Active (repeatable; see docs/vendors.md)",
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="do not enforce vendor rates")
    parser.add_argument("--describe", metavar="FILE", help="write URLs and credentials as JSON")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no line per request (the journal, GET /_control/journal, still has every one)",
    )
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    variants: dict[str, dict[str, str]] = {}
    for vendor, name, value in args.variant:
        variants.setdefault(vendor, {})[name] = value
    started = time.monotonic()
    server = SandboxServer(
        args.vendor,
        seed_tenants=args.seed,
        seed=args.random_seed,
        rate_limits=not args.no_rate_limit,
        variants=variants,
    )
    faults: dict[str, dict[str, float]] = {}
    for vendor, name, value in args.fault:
        faults.setdefault(vendor, {})[name] = value
    for vendor, settings in faults.items():
        server.set_faults(vendor, **settings)
    server.url = f"http://{args.host}:{args.port}"
    print(f"sandboxes seeded in {time.monotonic() - started:.1f}s", flush=True)
    for key in server.sandboxes:
        print(f"  {key:12} {server.vendor_url(key)}", flush=True)
    print(f"  control      {server.url}/_control/", flush=True)
    if args.describe:
        with open(args.describe, "w") as fh:
            json.dump(server.describe(), fh, indent=2)
    try:
        server.serve_forever(args.host, args.port)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
