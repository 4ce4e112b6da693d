"""``neural-hpo lsp``: the language server over stdio (``--tcp HOST:PORT`` for debugging)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lsp", help="run the language server (stdio)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="serve on a loopback TCP address instead")
    p.add_argument("--log-file", help="write the server log here (default: stderr)")
    p.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="least severe messages logged (default: WARNING)",
    )
    p.set_defaults(handler=run)


def loopback_address(text: str) -> tuple[str, int]:
    """``(host, port)`` from ``HOST:PORT``; ValueError unless HOST is a loopback address."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--tcp takes HOST:PORT, got {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise ValueError(f"--tcp serves on loopback addresses only; {host} is not one")
    return host, int(port)


def run(args: argparse.Namespace) -> int:
    try:
        tcp = loopback_address(args.tcp) if args.tcp else None
    except (ValueError, OSError) as exc:
        print(f"neural-hpo lsp: {exc}", file=sys.stderr)
        return 2
    try:
        from neural_hpo_server.server import serve
    except ImportError as exc:
        print(
            f"neural-hpo lsp: the language server is not installed ({exc}); "
            'install it with: pip install "neural-hpo[lsp]"',
            file=sys.stderr,
        )
        return 2
    handler = logging.FileHandler(args.log_file) if args.log_file else logging.StreamHandler()
    logging.basicConfig(level=args.log_level, handlers=[handler])
    serve(tcp)
    return 0
