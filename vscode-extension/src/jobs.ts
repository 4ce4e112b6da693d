// Running HPO jobs in the status bar, driven by the server's $/progress; a click cancels.
import * as vscode from "vscode";
import {
  LanguageClient,
  ProgressToken,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
} from "vscode-languageclient/node";

interface Job {
  token: ProgressToken;
  title: string;
  message: string;
}

export class Jobs implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  private readonly running = new Map<ProgressToken, Job>();
  private readonly finished = new vscode.EventEmitter<void>();
  private client: LanguageClient | undefined;
  readonly onDidFinish = this.finished.event;

  constructor() {
    this.item.command = "neural.cancelRunning";
    this.item.tooltip = "Neural HPO: click to cancel";
  }

  /** Follows the progress of `client` (a started client) instead of the built-in notifications. */
  attach(client: LanguageClient): void {
    this.client = client;
    this.running.clear();
    this.render();
    client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const subscription = client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind === "begin") {
          this.running.set(token, { token, title: value.title, message: value.message ?? "" });
        } else if (value.kind === "report") {
          const job = this.running.get(token);
          if (job !== undefined) {
            job.message = value.message ?? job.message;
          }
        } else {
          this.running.delete(token);
          subscription.dispose();
          this.finished.fire();
        }
        this.render();
      });
    });
  }

  /** Cancels the running job (the one picked when there are several). */
  async cancel(): Promise<void> {
    const jobs = [...this.running.values()];
    const job =
      jobs.length > 1
        ? (await vscode.window.showQuickPick(
            jobs.map((j) => ({ label: j.title, description: j.message, job: j })),
            { placeHolder: "Cancel which HPO job?" },
          ))?.job
        : jobs[0];
    if (job !== undefined && this.client !== undefined) {
      await this.client.sendNotification(WorkDoneProgressCancelNotification.type, {
        token: job.token,
      });
    }
  }

  private render(): void {
    const jobs = [...this.running.values()];
    if (jobs.length === 0) {
      this.item.hide();
      return;
    }
    const [only] = jobs;
    this.item.text =
      jobs.length === 1
        ? `$(sync~spin) ${only.title}${only.message === "" ? "" : `: ${only.message}`}`
        : `$(sync~spin) ${jobs.length} HPO jobs`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    this.finished.dispose();
  }
}
