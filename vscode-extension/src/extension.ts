// Entry point: the language client, its commands, the job status bar and the report panels.
import * as vscode from "vscode";
import { Jobs } from "./jobs";
import { onInterpreterChange } from "./python";
import { studyOf } from "./reports";
import { Server } from "./server";

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Neural HPO");
  const jobs = new Jobs();
  const current = new Server(output, jobs, context.extensionPath);
  server = current;
  context.subscriptions.push(
    output,
    jobs,
    current,
    vscode.commands.registerCommand("neural.restartServer", () => current.restart()),
    vscode.commands.registerCommand("neural.cancelRunning", () => jobs.cancel()),
    vscode.commands.registerCommand("neural.showReport", async (...args: unknown[]) => {
      const study = studyOf(args);
      if (study === undefined) {
        return;
      }
      try {
        await current.reports.show(study);
      } catch (error) {
        void vscode.window.showErrorMessage(`Neural HPO: no report (${String(error)})`);
      }
    }),
    vscode.commands.registerCommand("neural.installEngine", (python?: string) => installEngine(python)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => current.restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("neural.python") || event.affectsConfiguration("neural.importStrategy")) {
        void current.restart();
      }
    }),
    await onInterpreterChange(() => {
      output.appendLine("The selected Python interpreter changed: restarting the language server");
      void current.restart();
    }),
  );
  await current.start();
}

/** The lens's offer when the study interpreter lacks neural-hpo: pip in a terminal, shown. */
function installEngine(python: string | undefined): void {
  if (!vscode.workspace.isTrusted) {
    return;
  }
  const terminal = vscode.window.createTerminal("Neural HPO: install");
  terminal.show();
  terminal.sendText(`${quote(python ?? "python3")} -m pip install neural-hpo`);
}

function quote(text: string): string {
  return /^[\w./:-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

export function deactivate(): Promise<void> | undefined {
  return server?.stop();
}
