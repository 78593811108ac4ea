"""``python -m reward_service.service serve|worker [--check]``: the service commands
without the package CLI (used by the tests and the benchmark)."""

from __future__ import annotations

import argparse
import logging
import sys

from ..settings import get_settings
from .cli_commands import serve, worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reward_service.service")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the HTTP API")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_worker = sub.add_parser("worker", help="run a worker on Redis")
    p_worker.add_argument("--check", action="store_true", help="exit 0 when a worker on this host is healthy")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if args.command == "serve":
        serve(args.host, args.port, settings)
        return 0
    return worker(settings, args.check)


if __name__ == "__main__":
    sys.exit(main())
