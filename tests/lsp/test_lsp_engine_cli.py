"""The server builds ``neural-hpo run`` command lines from the flags the CLI's parser has."""

from __future__ import annotations

from neural_hpo_server import engine_cli
from neural_hpo_server.arguments import OPTIONS
from neural_hpo_server.jobs import RunRequest, command_line

from neural_hpo.cli import build_parser


def flags(argv: list[str]) -> set[str]:
    return {a for a in argv if a.startswith("--")}


def assert_cli_takes(argv: list[str]) -> None:
    """The CLI's own parser accepts the child's command line (argv after ``-m neural_hpo.cli``)."""
    assert argv[1:3] == ["-m", "neural_hpo.cli"]
    assert build_parser().parse_args(argv[3:]).command == "run"
    assert flags(argv) <= set(engine_cli.run_options())


def test_command_line_passes_only_cli_flags() -> None:
    options = {"epochs": 1, "pruning": True, "allow_space_change": False, "metric": "loss"}
    req = RunRequest("file:///w/a.neural", "/w/a.neural", "Net", "local", 3, "tpe", options)
    argv = command_line("python", req, "sqlite:///s.db", None)
    assert_cli_takes(argv)
    assert "--allow-space-change" not in argv and argv[argv.index("--metric") + 1] == "loss"
    bare = RunRequest("file:///w/a.neural", "/w/a.neural", "Net", "local", None, None)
    assert flags(command_line("python", bare, "sqlite:///s.db", None)) == {
        "--network",
        "--json-events",
        "--storage",
    }


def test_every_option_is_a_cli_flag() -> None:
    assert all(engine_cli.option(name) is not None for name in OPTIONS)


def test_ray_command_line_uses_the_cli_flags() -> None:
    req = RunRequest("file:///w/a.neural", "/w/a.neural", "Net", "ray", 3, None)
    argv = command_line("python", req, "sqlite:///s.db", "127.0.0.1:6379")
    assert_cli_takes(argv)
