// The report HTML as a webview shows it: our strict Content-Security-Policy instead of the
// document's own, and a fresh nonce on each inline script (scripts with a src stay blocked).
import { randomBytes } from "node:crypto";

const CSP_META = /<meta\s[^>]*http-equiv\s*=\s*["']?content-security-policy[^>]*>/gi;
const SCRIPT = /<script\b([^>]*)>/gi;
const NONCE = /\s+nonce\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;

export function withCsp(html: string): string {
  const nonce = randomBytes(16).toString("base64");
  const policy =
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; " +
    `script-src 'nonce-${nonce}'`;
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
  const body = html
    .replace(CSP_META, "")
    .replace(SCRIPT, (tag, attrs: string) =>
      /\bsrc\s*=/i.test(attrs) ? tag : `<script nonce="${nonce}"${attrs.replace(NONCE, "")}>`,
    );
  const head = /<head\b[^>]*>/i.exec(body);
  if (head === null) {
    return `<!DOCTYPE html><html><head>${meta}</head><body>${body}</body></html>`;
  }
  const at = head.index + head[0].length;
  return body.slice(0, at) + meta + body.slice(at);
}
