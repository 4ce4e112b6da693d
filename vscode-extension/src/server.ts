// The language server's lifecycle over stdio, restartable. It runs the bundled launcher
// (bundled/tool/server.py, as in Microsoft's python-tools extension template) with any Python
// >= 3.10: the bundle holds the language part, so squiggles and completion need no pip step;
// `neural.importStrategy` says whether the bundle or the interpreter's neural-hpo comes first.
import * as path from "path";
import * as vscode from "vscode";
import { CodeLens, LanguageClient, LanguageClientOptions } from "vscode-languageclient/node";
import { Jobs } from "./jobs";
import { resolvePython } from "./python";
import { LiveTrials, Reports, Study, studyOf } from "./reports";

/** Server commands that run code of the workspace: refused in an untrusted workspace. */
const RUN_COMMANDS = new Set(["neural.runHpo"]);
/** Tries, two seconds apart, to show a finished study's report. */
const REPORT_ATTEMPTS = 15;

export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly pending = new Map<string, Study>();
  readonly reports = new Reports(
    (study) => this.report(study),
    (study) => void this.client?.sendNotification("neural/reportClosed", study),
  );

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly jobs: Jobs,
    private readonly extensionPath: string,
  ) {
    jobs.onDidFinish(() => this.showPending());
  }

  async start(): Promise<void> {
    const python = await resolvePython(vscode.window.activeTextEditor?.document.uri);
    const args = [path.join(this.extensionPath, "bundled", "tool", "server.py")];
    const strategy = vscode.workspace.getConfiguration("neural").get<string>("importStrategy") ?? "useBundled";
    this.output.appendLine(`Starting ${python} ${args.join(" ")} (importStrategy ${strategy})`);
    const env = { ...process.env, NEURAL_IMPORT_STRATEGY: strategy };
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const client = new LanguageClient(
      "neural",
      "Neural HPO",
      { command: python, args, options: { cwd, env } },
      this.clientOptions(),
    );
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Neural HPO: the language server did not start with "${python}" (${String(error)}). ` +
          "Set neural.python (or select an interpreter) to a Python 3.10 or newer.",
      );
      return;
    }
    this.jobs.attach(client);
    client.onNotification("neural/reportTrials", (live: LiveTrials) => this.reports.push(live));
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) {
      await client.stop();
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The server's report for a study (`neural/report`). */
  report(study: Study): Promise<{ html: string; path: string }> {
    if (this.client === undefined) {
      return Promise.reject(new Error("the language server is not running"));
    }
    return this.client.sendRequest("neural/report", study);
  }

  dispose(): void {
    void this.stop();
    this.reports.dispose();
  }

  private clientOptions(): LanguageClientOptions {
    const settings = vscode.workspace.getConfiguration("neural");
    return {
      documentSelector: [
        { scheme: "file", language: "neural" },
        { scheme: "untitled", language: "neural" },
      ],
      outputChannel: this.output,
      synchronize: {
        configurationSection: "neural",
        // the server's own file watcher (watchdog) is not in the bundle
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.neural"),
      },
      initializationOptions: {
        trusted: vscode.workspace.isTrusted,
        storagePath: settings.get("storagePath"),
        defaultTrials: settings.get("defaultTrials"),
        sampler: settings.get("sampler"),
        rayAddress: settings.get("rayAddress"),
        python: settings.get("python"),
      },
      middleware: {
        provideCodeLenses: async (document, token, next) =>
          (await next(document, token))?.map(showReportsHere),
        resolveCodeLens: async (lens, token, next) => showReportsHere(await next(lens, token) ?? lens),
        executeCommand: async (command, args, next) => {
          if (RUN_COMMANDS.has(command) && !vscode.workspace.isTrusted) {
            void vscode.window.showWarningMessage(
              "Neural HPO runs studies only in a trusted workspace.",
            );
            return undefined;
          }
          const result: unknown = await next(command, args);
          const study = studyOf(args);
          if (RUN_COMMANDS.has(command) && study !== undefined) {
            this.pending.set(`${study.uri}#${study.network}`, study);
          }
          return result;
        },
      },
    };
  }

  /** When a job ends: opens the report of each study run from here. */
  private showPending(): void {
    for (const [key, study] of this.pending) {
      this.pending.delete(key);
      void this.showWhenReady(study);
    }
  }

  /** The server may still be reading the finished study: asks again for a while, then says why. */
  private async showWhenReady(study: Study): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.reports.show(study);
        return;
      } catch (error) {
        if (attempt === REPORT_ATTEMPTS) {
          void vscode.window.showErrorMessage(
            `Neural HPO: no report of ${study.network} (${String(error)})`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }
}

/** The server's "Open report" lens opens the report in a panel here (not in a browser). */
function showReportsHere<T extends vscode.CodeLens | CodeLens>(lens: T): T {
  if (lens.command?.command === "neural.openReport") {
    lens.command.command = "neural.showReport";
  }
  return lens;
}
