// Study reports in webview panels: one panel per study, refreshed when the report file changes.
// While a study runs the server pushes its newly finished trials (`neural/reportTrials`); they
// are posted to the page, whose script appends them without a reload, and the whole report is
// fetched once more when the run ends.
import * as path from "node:path";
import * as vscode from "vscode";
import { withCsp } from "./csp";

export interface Study {
  uri: string;
  network: string;
}

interface Report {
  html: string;
  path: string;
}

type Fetch = (study: Study) => Promise<Report>;

/** `neural/reportTrials`: rows of newly finished trials; `final` once the run ended. */
export interface LiveTrials extends Study {
  study: string;
  trials: unknown[];
  final: boolean;
}

interface Open {
  panel: vscode.WebviewPanel;
  watcher: vscode.FileSystemWatcher;
}

export class Reports implements vscode.Disposable {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly fetch: Fetch,
    private readonly closed: (study: Study) => void = () => undefined,
  ) {}

  /** New trials for an open panel: posted to its page; at the end, the final report. */
  push(live: LiveTrials): void {
    const open = this.open.get(`${live.uri}#${live.network}`);
    if (open === undefined) {
      return;
    }
    if (live.trials.length > 0) {
      void open.panel.webview.postMessage({ type: "neural.trials", trials: live.trials });
    }
    if (live.final) {
      this.show({ uri: live.uri, network: live.network }).catch(() => undefined);
    }
  }

  /** Shows the study's report, opening its panel or refreshing the one already open. */
  async show(study: Study): Promise<void> {
    const report = await this.fetch(study);
    const key = `${study.uri}#${study.network}`;
    const existing = this.open.get(key);
    if (existing !== undefined) {
      existing.panel.webview.html = withCsp(report.html);
      existing.panel.reveal(undefined, true);
      return;
    }
    const folder = vscode.Uri.file(path.dirname(report.path));
    const panel = vscode.window.createWebviewPanel(
      "neural.report",
      `HPO report: ${study.network}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [folder] },
    );
    panel.webview.html = withCsp(report.html);
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(folder, path.basename(report.path)),
    );
    // the server writes the report file when asked for it: reload the file, don't ask again
    const refresh = (): void => {
      vscode.workspace.fs.readFile(vscode.Uri.file(report.path)).then(
        (bytes) => (panel.webview.html = withCsp(Buffer.from(bytes).toString("utf8"))),
        () => undefined,
      );
    };
    watcher.onDidChange(refresh);
    watcher.onDidCreate(refresh);
    panel.onDidDispose(() => {
      watcher.dispose();
      this.open.delete(key);
      this.closed(study);
    });
    this.open.set(key, { panel, watcher });
  }

  dispose(): void {
    for (const { panel } of [...this.open.values()]) {
      panel.dispose();
    }
  }
}

/** The study a command's arguments name: `(uri, network, ...)` or `({uri, network})`. */
export function studyOf(args: unknown[]): Study | undefined {
  const [first, second] = args;
  if (typeof first === "string" && typeof second === "string") {
    return { uri: first, network: second };
  }
  if (typeof first === "object" && first !== null) {
    const { uri, network } = first as Partial<Study>;
    if (typeof uri === "string" && typeof network === "string") {
      return { uri, network };
    }
  }
  return undefined;
}
