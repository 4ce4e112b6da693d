// Which Python runs the language server: the neural.python setting, else the Python extension's
// active interpreter (trusted workspaces only), else python3.
import * as vscode from "vscode";

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

export async function resolvePython(resource: vscode.Uri | undefined): Promise<string> {
  const configured = vscode.workspace.getConfiguration("neural", resource).get<string | null>("python");
  if (configured) {
    return configured;
  }
  if (vscode.workspace.isTrusted) {
    const fromExtension = await activeInterpreter(resource);
    if (fromExtension !== undefined) {
      return fromExtension;
    }
  }
  return "python3";
}

/** Calls `listener` whenever the Python extension's selected interpreter changes (nothing
 * happens without that extension). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable> {
  const api = await pythonApi();
  const event = api?.environments?.onDidChangeActiveEnvironmentPath;
  return event !== undefined ? event(() => listener()) : new vscode.Disposable(() => undefined);
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (extension === undefined) {
    return undefined;
  }
  try {
    return extension.isActive ? extension.exports : await extension.activate();
  } catch {
    return undefined;
  }
}

async function activeInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const api = await pythonApi();
  try {
    const path = api?.environments?.getActiveEnvironmentPath(resource).path;
    return path !== undefined && path !== "" ? path : undefined;
  } catch {
    return undefined;
  }
}
