// Drives code-server (the real VS Code workbench) in headless Chromium and records what it sees.
//
// usage: node host.mjs <url> <file in the workspace> <artifact dir> <step>...
// steps: highlight, diagnostic, completion, lens, install, untrusted, run, live. Writes <artifact dir>/result.json
// ({step: {ok, detail}}) and one screenshot per step; stops at the first failing step.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, file, out, ...steps] = process.argv.slice(2);
const SECOND = 1000;
const result = {};
const save = () => writeFileSync(join(out, "result.json"), JSON.stringify(result, null, 2));

const editor = ".monaco-editor[data-uri$='" + file + "']";

async function goToLine(page, line) {
  await page.keyboard.press("Control+G");
  await page.keyboard.type(String(line));
  await page.keyboard.press("Enter");
}

async function command(page, title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input");
  await page.keyboard.type(title);
  await page.waitForTimeout(SECOND);
  await page.keyboard.press("Enter");
}

const STEPS = {
  // the TextMate grammar colours keywords, layer names and numbers differently
  async highlight(page) {
    const spans = await page.$$eval(`${editor} .view-line span span`, (els) =>
      els.map((e) => [e.textContent.trim(), e.className]),
    );
    const cls = (text) => spans.find(([t]) => t === text)?.[1];
    const classes = { network: cls("network"), Dense: cls("Dense"), number: cls("16"), plain: cls("") };
    const distinct = new Set(Object.values(classes)).size;
    return { ok: distinct === 4, detail: classes };
  },
  // an unknown layer typed into the file gets an error squiggle from the server
  async diagnostic(page) {
    await goToLine(page, 3);
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Dropot(rate: 0.5)");
    await page.waitForSelector(`${editor} .squiggly-error`, { timeout: 120 * SECOND });
    await page.keyboard.press("F8");
    const message = await page
      .waitForSelector(".marker-widget .descriptioncontainer", { timeout: 30 * SECOND })
      .then((el) => el.textContent());
    return { ok: true, detail: { message } };
  },
  // inside `Dense(` the completion list offers the layer's arguments
  async completion(page) {
    await page.keyboard.press("Escape");
    await goToLine(page, 3);
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Dense(");
    await page.keyboard.press("Control+Space");
    const rows = page.locator(".suggest-widget.visible .monaco-list-row .label-name");
    await rows.first().waitFor({ timeout: 60 * SECOND });
    const labels = await rows.allTextContents();
    return { ok: labels.includes("units"), detail: { labels } };
  },
  // the server's code lens offers to run a study
  async lens(page) {
    await page.keyboard.press("Escape");
    await command(page, "File: Revert File");
    const lens = page.locator(`${editor} .codelens-decoration a`, { hasText: /Run HPO$/ });
    await lens.first().waitFor({ timeout: 120 * SECOND });
    const titles = await page.locator(`${editor} .codelens-decoration a`).allTextContents();
    return { ok: true, detail: { titles } };
  },
  // an interpreter without neural-hpo: the lens says so and offers the install command
  async install(page) {
    await page.keyboard.press("Escape");
    await command(page, "File: Revert File");
    const lens = page.locator(`${editor} .codelens-decoration a`, { hasText: /pip install neural-hpo/ });
    await lens.first().waitFor({ timeout: 120 * SECOND });
    const titles = await page.locator(`${editor} .codelens-decoration a`).allTextContents();
    return { ok: !titles.some((t) => /Run HPO$/.test(t)), detail: { titles } };
  },
  // in an untrusted workspace no study runs: no run lens, or the client refuses its command
  async untrusted(page) {
    await page.keyboard.press("Escape");
    await command(page, "File: Revert File");
    const lenses = page.locator(`${editor} .codelens-decoration a`);
    await lenses.first().waitFor({ timeout: 120 * SECOND }).catch(() => undefined);
    const run = page.locator(`${editor} .codelens-decoration a`, { hasText: /Run HPO$/ });
    if ((await run.count()) === 0) {
      return { ok: true, detail: { lenses: await lenses.allTextContents() } };
    }
    await run.first().click();
    const refusal = page.locator(".notifications-toasts .notification-list-item", {
      hasText: "trusted workspace",
    });
    const refused = await refusal
      .first()
      .waitFor({ timeout: 60 * SECOND })
      .then(() => refusal.first().textContent(), () => null);
    await page.waitForTimeout(5 * SECOND);
    const jobs = await page.locator(".statusbar-item", { hasText: /HPO/ }).count();
    return { ok: refused !== null && jobs === 0, detail: { refused, jobs } };
  },
  // a report opened while a run goes on shows each finished trial as it lands, in the same page
  async live(page, shot) {
    const lenses = page.locator(`${editor} .codelens-decoration`);
    await lenses.locator("a", { hasText: /Run HPO$/ }).first().waitFor({ timeout: 120 * SECOND });
    await page.locator(`${editor} .monaco-scrollable-element`).first().screenshot({ path: join(out, "lenses.png") });
    const titles = await lenses.allTextContents();
    await lenses.locator("a", { hasText: /Run HPO$/ }).first().click();
    await lenses.locator("a", { hasText: "Open report" }).first().waitFor({ timeout: 180 * SECOND });
    await lenses.locator("a", { hasText: "Open report" }).first().click();
    const state = async () => {
      for (const frame of page.frames().filter((f) => f.parentFrame()?.parentFrame())) {
        const seen = await frame
          .evaluate(() => ({
            marked: window.neuralMarked === true,
            points: new Set([...document.querySelectorAll("circle[data-n]")].map((c) => c.dataset.n)).size,
            live: document.querySelector("#hpo-live h2")?.textContent ?? null,
            known: new Set([...document.querySelectorAll("tr[data-n]")].map((r) => r.dataset.n)).size,
          }))
          .catch(() => null);
        if (seen !== null) return { frame, ...seen };
      }
      return null;
    };
    let first = null;
    for (let i = 0; i < 240 && first === null; i++) {
      const now = await state();
      if (now !== null && now.points >= 1) first = now;
      else await page.waitForTimeout(SECOND);
    }
    if (first === null) return { ok: false, detail: { titles, error: "no point in the report panel" } };
    await first.frame.evaluate(() => (window.neuralMarked = true)); // gone if the page is reloaded
    const panel = page.locator("iframe.webview").first();
    await panel.screenshot({ path: join(out, "live-first.png") });
    let last = { ...first, marked: true };
    for (let i = 0; i < 480 && last.known < 4; i++) {
      await page.waitForTimeout(SECOND / 4);
      const now = await state();
      if (now === null || !now.marked) break; // the run ended: the final report replaced the page
      if (now.known > last.known || now.points > last.points) {
        last = now;
        await panel.screenshot({ path: join(out, "live-last.png") });
      }
    }
    const tabs = await page.locator(".tab", { hasText: "HPO report" }).count();
    const detail = { titles, first: first.points, last: last.points, known: last.known, live: last.live, tabs };
    return { ok: last.points > first.points && last.known === 4 && tabs === 1, detail };
  },
  // a run started from the lens ends with the report in a webview panel
  async run(page, shot) {
    await page.locator(`${editor} .codelens-decoration a`, { hasText: /Run HPO$/ }).first().click();
    const status = page.locator(".statusbar-item", { hasText: /HPO|trial/i });
    const running = await status
      .first()
      .waitFor({ timeout: 60 * SECOND })
      .then(() => status.first().textContent())
      .catch(() => null);
    await shot("run-status");
    const tab = page.locator(".tab", { hasText: "HPO report" });
    const error = page.locator(".notifications-toasts .notification-list-item", {
      has: page.locator(".codicon-error"),
    });
    const seen = (locator, what) =>
      locator.first().waitFor({ timeout: 420 * SECOND }).then(() => what, () => "nothing");
    const outcome = await Promise.race([seen(tab, "report"), seen(error, "error")]);
    if (outcome !== "report") {
      const message = outcome === "error" ? await error.first().textContent() : "no report tab";
      return { ok: false, detail: { status: running, error: message } };
    }
    // the report's document is the innermost frame of the webview
    let text = "";
    for (let i = 0; i < 60 && text === ""; i++) {
      await page.waitForTimeout(SECOND);
      for (const frame of page.frames().filter((f) => f.parentFrame()?.parentFrame())) {
        text ||= await frame.evaluate(() => document.body?.innerText.trim() ?? "").catch(() => "");
      }
    }
    return { ok: text !== "", detail: { status: running, tab: await tab.first().textContent(), report: text.slice(0, 500) } };
  },
};

const profile = mkdtempSync(join(tmpdir(), "neural-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
const log = [];
page.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
let index = 0;
const shot = (name) => page.screenshot({ path: join(out, `${String(++index).padStart(2, "0")}-${name}.png`) });
try {
  await page.goto(url, { timeout: 120 * SECOND });
  await page.waitForSelector(".monaco-workbench", { timeout: 120 * SECOND });
  await page.waitForSelector(".explorer-folders-view", { timeout: 120 * SECOND });
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget input");
  await page.keyboard.type(file);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: file }).first().click();
  await page.waitForSelector(`${editor} .view-line`, { timeout: 60 * SECOND });
  await page.waitForTimeout(3 * SECOND);
  await page.click(`${editor} .view-lines`);
  for (const step of steps) {
    try {
      result[step] = await STEPS[step](page, shot);
    } catch (error) {
      result[step] = { ok: false, detail: String(error) };
    }
    await shot(step);
    save();
    if (!result[step].ok) {
      break;
    }
  }
} catch (error) {
  result.open = { ok: false, detail: String(error) };
  await shot("open").catch(() => undefined);
} finally {
  save();
  writeFileSync(join(out, "console.log"), log.join("\n"));
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
