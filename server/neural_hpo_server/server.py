"""The server object: shared state (documents, analyses, settings, studies, jobs) and wiring.

``NeuralServer`` builds what several features read (the documents, the analyzer, the study
store, the job manager, the live reports), each given only what it needs; it loads the settings
and runs the lifecycle. Features live in their own modules, each with ``register(server)``;
``create_server`` calls them in order.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .analyzer import Analyzer, Checked, Snapshot
from .documents import Documents, uri_path
from .jobs import JobManager
from .live_reports import LiveReports
from .progress import Progress
from .protocol import NeuralProtocol
from .settings import Settings, parse_settings
from .studies import StudyStore, storage_url

log = logging.getLogger(__name__)

#: feature modules, registered in this order
FEATURES = (
    "diagnostics",
    "workspace_files",
    "completion",
    "hover",
    "jobs",
    "code_lens",
    "commands",
    "reports",
    "live_reports",
    "inlay_hints",
    "code_actions",
    "symbols",
    "folding",
    "formatting",
    "semantic_tokens",
    "definition",
)


class DocumentParams(Protocol):
    """The params of a request about one document (hover, code lens, folding ranges, ...)."""

    @property
    def text_document(self) -> lsp.TextDocumentIdentifier: ...


class NeuralServer(LanguageServer):
    """pygls' server with the state the features share."""

    def __init__(self) -> None:
        super().__init__("neural-hpo", __version__, protocol_cls=NeuralProtocol, max_workers=4)
        self.documents = Documents()
        self.settings = Settings()
        self.init_options: Any = None
        self.diagnostics_listeners: list[Callable[[Checked], None]] = []
        self.analysis_listeners: list[Callable[[Snapshot], None]] = []
        self.analyzer = Analyzer(self._checked, self._analysed, self._analysis_failed)
        self.studies = StudyStore(self._storage_url, self.tell, self._following_runs)
        self.jobs = JobManager(
            settings=lambda: self.settings,
            root=self.root,
            tell=self.tell,
            progress=lambda token: Progress(self, token),
            trial_ended=self.studies.wake,
        )
        self.live_reports = LiveReports(self.studies, self.protocol.notify)
        self.on_ready: list[Callable[[], Awaitable[None]]] = []
        self.on_shutdown: list[Callable[[], None]] = []

    # ---- state helpers -----------------------------------------------------------------------

    @property
    def trusted(self) -> bool:
        """False when the client says the workspace is untrusted (``initializationOptions.trusted``,
        sent by the VS Code extension): checks and completion stay, running HPO does not."""
        opts = self.init_options
        value = opts.get("trusted") if isinstance(opts, dict) else getattr(opts, "trusted", None)
        return value is not False

    def roots(self) -> list[Path]:
        """The workspace folders (or the root URI of clients without folders), resolved."""
        ws = self.protocol._workspace
        if ws is None:
            return []
        uris = [f.uri for f in ws.folders.values()] or ([ws.root_uri] if ws.root_uri else [])
        return [Path(p).resolve() for u in uris if (p := to_fs_path(u))]

    def root(self) -> Path:
        """The first workspace folder: where the default study storage lives."""
        roots = self.roots()
        return roots[0] if roots else Path.cwd()

    def workspace_path(self, uri: str) -> Path | None:
        """The resolved path of ``uri`` when it lies inside a workspace folder, else None."""
        path = uri_path(uri)
        if path is None:
            return None
        resolved = path.resolve()
        return resolved if any(resolved.is_relative_to(r) for r in self.roots()) else None

    async def snapshot(self, params: DocumentParams, *, exact: bool = False) -> Snapshot | None:
        """The analysis of the open document that ``params.text_document`` names, of its current
        version (waited for briefly, else the latest); None when the document is not open or not
        analysed yet, and with ``exact`` also when the analysis saw another text than the
        document's now (its positions would not match the client's)."""
        doc = self.documents.get(params.text_document.uri)
        if doc is None:
            return None
        snap = await self.analyzer.current(doc.uri, doc.version)
        if snap is None or (exact and snap.text != doc.text):
            return None
        return snap

    def text_of(self, uri: str) -> str | None:
        """The open document's text, or the file's on disk (None when neither exists)."""
        doc = self.documents.get(uri)
        return doc.text if doc is not None else self.text_of_disk(uri)

    def text_of_disk(self, uri: str) -> str | None:
        """The file's text on disk (None when it cannot be read)."""
        path = uri_path(uri)
        try:
            return path.read_text(encoding="utf-8") if path else None
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read %s: %s", uri, exc)
            return None

    def client_supports(self, dotted: str) -> bool:
        """Whether the client capability at ``dotted`` (snake-case attributes) is truthy,
        e.g. ``workspace.code_lens.refresh_support``."""
        node: Any = self.protocol.client_capabilities
        for part in dotted.split("."):
            node = getattr(node, part, None)
            if node is None:
                return False
        return bool(node)

    def tell(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        """Show ``message`` to the user (and log it)."""
        log.log(logging.WARNING if kind <= lsp.MessageType.Warning else logging.INFO, message)
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))

    async def load_settings(self) -> None:
        """Read the settings from the client and tell the user about invalid ones."""
        data: Any = self.init_options
        if self.client_supports("workspace.configuration"):
            try:
                result = await self.workspace_configuration_async(
                    lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="neural")])
                )
            except JsonRpcException as exc:  # the client answered with an error
                log.warning("workspace/configuration failed (%s); using initializationOptions", exc)
            else:
                if result and result[0] is not None:
                    data = result[0]
        self.settings, problems = parse_settings(data)
        for p in problems:
            self.tell(p, lsp.MessageType.Warning)

    def _storage_url(self) -> str:
        return storage_url(self.settings.storagePath, self.root(), self.trusted)

    def _following_runs(self) -> bool:
        """Whether something follows runs: a job of this server, or a report on screen (which
        follows runs started anywhere, the CLI's too)."""
        return bool(self.jobs.running() or self.live_reports.watches)

    # ---- analysis callbacks ------------------------------------------------------------------

    def _checked(self, checked: Checked) -> None:
        for listener in self.diagnostics_listeners:
            listener(checked)

    def _analysed(self, snap: Snapshot) -> None:
        for listener in self.analysis_listeners:
            listener(snap)

    def _analysis_failed(self, uri: str, exc: BaseException) -> None:
        self.tell(f"neural-hpo could not analyse {uri}: {exc!r}", lsp.MessageType.Error)


def create_server() -> NeuralServer:
    """A server with every feature registered."""
    ls = NeuralServer()
    for name in FEATURES:
        importlib.import_module(f"{__package__}.{name}").register(ls)
    _register_lifecycle(ls)
    return ls


def _register_lifecycle(ls: NeuralServer) -> None:
    @ls.feature(lsp.INITIALIZE)
    def initialize(ls: NeuralServer, params: lsp.InitializeParams) -> None:
        ls.init_options = params.initialization_options

    @ls.feature(lsp.INITIALIZED)
    async def initialized(ls: NeuralServer, params: lsp.InitializedParams) -> None:
        ls.analyzer.warm_up()
        await ls.load_settings()
        for start in ls.on_ready:
            await start()
        ls.studies.start()

    @ls.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: NeuralServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        await ls.load_settings()
        ls.studies.configure()

    @ls.feature(lsp.SHUTDOWN)
    def shutdown(ls: NeuralServer, params: None) -> None:
        for stop in ls.on_shutdown:
            stop()
        ls.studies.stop()
        ls.jobs.stop_all()
        ls.analyzer.shutdown()


def serve(tcp: tuple[str, int] | None = None) -> None:
    """Serve over stdio, or over TCP on a loopback address (for debugging)."""
    ls = create_server()
    # Everything loaded so far (lsprotocol's classes, the catalog) lives as long as the server:
    # out of the collector's sight, a full collection takes ~5 ms instead of ~25 ms.
    gc.freeze()
    if tcp is None:
        ls.start_io(sys.stdin.buffer, sys.stdout.buffer)
    else:
        ls.start_tcp(*tcp)
