"""The HTML report of a network's newest study: ``neural/report`` (``{uri, network}`` ->
``{html, path}``, for the VS Code webview, which is then kept up to date: ``live_reports``) and
the ``neural.openReport`` command. The report is
written by ``neural-hpo report`` in a child process, so the server never imports the plotting
stack."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.uris import from_fs_path

from neural_hpo.storage import STORAGE_DIR, report_file_name

from .arguments import document, request_args

if TYPE_CHECKING:
    from .server import NeuralServer

log = logging.getLogger(__name__)

REPORT_REQUEST = "neural/report"
REPORT_TIMEOUT_S = 300


async def generate(ls: NeuralServer, uri: str, network: Any) -> Path:
    """Write the report of ``network``'s newest study under ``.neural-hpo/reports/``."""
    info = ls.studies.get(network) if isinstance(network, str) else None
    if info is None:
        raise JsonRpcInvalidParams(
            message=f"no study of network {network!r} in the workspace storage yet; run HPO first"
        )
    out = report_path(ls.root(), info.study)
    out.parent.mkdir(parents=True, exist_ok=True)
    # untrusted: no interpreter chosen by the workspace's settings, only the server's own
    python = ls.settings.python if ls.trusted else sys.executable
    argv = [python, "-m", "neural_hpo.cli", "report", "-o", str(out)]
    argv += ["--storage", ls.studies.url, "--", info.study]  # a study name is never an option
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=str(ls.root()), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), REPORT_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        raise JsonRpcInternalError(
            message=f"the report of {info.study} took over {REPORT_TIMEOUT_S}s"
        ) from None
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        log.error("neural-hpo report failed: %s", detail)
        raise JsonRpcInternalError(message=f"the report of {info.study} failed: {' '.join(detail)}")
    return out


def report_path(root: Path, study: str) -> Path:
    """``<root>/.neural-hpo/reports/<slug-hash>.html``, refused when the folders lead out of the
    workspace (a cloned repository may hold a ``.neural-hpo`` symlink)."""
    base = root.resolve()
    out = (base / STORAGE_DIR / "reports").resolve() / report_file_name(study)
    if not out.is_relative_to(base):
        raise JsonRpcInvalidParams(message=f"{out.parent} is outside the workspace {base}")
    return out


async def show(ls: NeuralServer, path: Path) -> None:
    """Open the report in the user's browser where the client can, else say where it is."""
    if ls.client_supports("window.show_document.support"):
        result = await ls.window_show_document_async(
            lsp.ShowDocumentParams(uri=from_fs_path(str(path)), external=True)
        )
        if result.success:
            return
    ls.tell(f"neural-hpo report written to {path}")


def register(ls: NeuralServer) -> None:
    @ls.feature(REPORT_REQUEST)
    async def report(ls: NeuralServer, params: Any) -> dict[str, str]:
        a = request_args(params, ("uri", "network"))
        uri, _ = document(ls, a.get("uri"))
        network = a.get("network")
        info = ls.studies.get(network) if isinstance(network, str) else None
        if info is not None:  # a client that shows the HTML itself is sent the new trials
            await ls.live_reports.watch(a.get("uri"), network, info.study)
        path = await generate(ls, uri, network)
        html = await asyncio.get_running_loop().run_in_executor(None, path.read_text, "utf-8")
        return {"html": html, "path": str(path)}
