// Entry point: the language client, its commands, the job status bar and the report panels.
import * as vscode from "vscode";
import { Jobs } from "./jobs";
import { studyOf } from "./reports";
import { Server } from "./server";

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Neural HPO");
  const jobs = new Jobs();
  const current = new Server(output, jobs);
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
    vscode.workspace.onDidGrantWorkspaceTrust(() => current.restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("neural.python")) {
        void current.restart();
      }
    }),
  );
  await current.start();
}

export function deactivate(): Promise<void> | undefined {
  return server?.stop();
}
