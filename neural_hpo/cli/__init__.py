"""The ``neural-hpo`` command line: one module per subcommand, each with ``register(sub)``.

``entry`` holds the parser and ``main`` (the console script, ``python -m neural_hpo.cli``); the
subcommands are ``check``, ``fmt``, ``run``, ``estimate``, ``studies``, ``report``,
``importance``, ``data`` and ``lsp``.
"""

from neural_hpo.cli.entry import COMMANDS, INTERRUPTED, build_parser, main

__all__ = ["COMMANDS", "INTERRUPTED", "build_parser", "main"]
