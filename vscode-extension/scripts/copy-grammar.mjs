// Copies the repository's TextMate grammar into the extension (the one source stays in grammars/).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "syntaxes"), { recursive: true });
copyFileSync(
  join(root, "..", "grammars", "neural.tmLanguage.json"),
  join(root, "syntaxes", "neural.tmLanguage.json"),
);
