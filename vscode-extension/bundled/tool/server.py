"""Starts the Neural language server with the libraries bundled in the extension.

As in Microsoft's vscode-python-tools-extension-template: ``bundled/libs`` holds the torch-free
language part (neural_hpo's language modules, the server, lark, pygls, lsprotocol and their pure
Python dependencies). ``NEURAL_IMPORT_STRATEGY`` (the ``neural.importStrategy`` setting) puts them
before the interpreter's own packages (``useBundled``, the default) or after them
(``fromEnvironment``: an installed neural-hpo wins).
"""

import os
import pathlib
import sys

LIBS = pathlib.Path(__file__).resolve().parent.parent / "libs"


def update_sys_path(path: str, strategy: str) -> None:
    """Make ``path`` importable, first or last depending on ``strategy``."""
    if path in sys.path or not os.path.isdir(path):
        return
    if strategy == "fromEnvironment":
        sys.path.append(path)
    else:
        sys.path.insert(0, path)


if __name__ == "__main__":
    if sys.version_info < (3, 10):
        sys.exit(f"the Neural language server needs Python 3.10 or newer, not {sys.version.split()[0]}")
    update_sys_path(os.fspath(LIBS), os.environ.get("NEURAL_IMPORT_STRATEGY", "useBundled"))
    from neural_hpo.cli import main

    sys.exit(main(["lsp", *sys.argv[1:]]))
