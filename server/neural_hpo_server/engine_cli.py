"""The options of ``neural-hpo run``, read from the option table the CLI's parser is built from.

The server validates run options against it (flag, type, choices) and only passes flags
the installed engine has, so it cannot drift from the CLI: Ray runs, for one, are offered once
``neural-hpo run`` has a ``--ray`` flag. The server and the engine ship in one package, so the
table read here is that of the ``neural.python`` child unless that setting names another
installation.
"""

from __future__ import annotations

import argparse
import functools
from typing import Any


@functools.cache
def run_options() -> dict[str, argparse.Action]:
    """The actions of ``neural-hpo run``'s options by flag, made by argparse from the option
    table the CLI builds its parser from (argparse keeps a parser's own actions private)."""
    from neural_hpo.cli.run import OPTIONS, RAY_OPTIONS

    parser = argparse.ArgumentParser(add_help=False)
    actions = [parser.add_argument(*flags, **kwargs) for flags, kwargs in OPTIONS + RAY_OPTIONS]
    return {flag: action for action in actions for flag in action.option_strings}


def option(name: str) -> argparse.Action | None:
    """The action of option ``name`` (``allow_space_change`` is ``--allow-space-change``)."""
    return run_options().get(flag_of(name))


def flag_of(name: str) -> str:
    """The flag of option ``name``, as argparse derives names from flags."""
    return "--" + name.replace("_", "-")


def default(name: str) -> Any:
    """The CLI's default for option ``name`` (e.g. the metric a run optimizes)."""
    action = option(name)
    if action is None:
        raise KeyError(f"neural-hpo run has no option {flag_of(name)}")
    return action.default


def check_value(name: str, value: Any) -> str | None:
    """Why ``value`` is not valid for option ``name``, or None when the CLI would take it."""
    action = option(name)
    if action is None:
        return f"neural-hpo run has no option {flag_of(name)}"
    if action.nargs == 0:  # a switch such as --pruning
        return None if isinstance(value, bool) else "takes true or false"
    kind = action.type or str
    ok = isinstance(value, (int, float) if kind is float else kind)
    if not ok or isinstance(value, bool):
        return f"takes {'a number' if kind is float else kind.__name__}, not {value!r}"
    if action.choices is not None and value not in action.choices:
        return f"takes one of {', '.join(map(str, action.choices))}, not {value!r}"
    return None
