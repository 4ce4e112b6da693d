// The report HTML as a webview shows it: a strict Content-Security-Policy, inline scripts noncened.
import { randomBytes } from "node:crypto";

export function withCsp(html: string): string {
  const nonce = randomBytes(16).toString("base64");
  const policy =
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; " +
    `script-src 'nonce-${nonce}'`;
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
  const scripted = html.replace(/<script(?![^>]*\bsrc=)(?=[\s>])/gi, `<script nonce="${nonce}"`);
  const head = /<head[^>]*>/i.exec(scripted);
  if (head === null) {
    return `<!DOCTYPE html><html><head>${meta}</head><body>${scripted}</body></html>`;
  }
  const at = head.index + head[0].length;
  return scripted.slice(0, at) + meta + scripted.slice(at);
}
