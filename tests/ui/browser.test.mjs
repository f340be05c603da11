// Browser tests of the nethvoice-preflight admin UI.
//
// Started by ui_test.go (go test ./tests/ui), which provides the world:
// BASE_URL is the cluster admin stand-in (fakecore.html) in front of the
// real binary run by the NS8 agent emulator; API_URL its api-server
// stand-in; TEST_URL test-only helpers. Chromium is Debian's, driven by
// playwright-core (no browser download). Screenshots go to SCREENSHOT_DIR.
//
// The tests run in order and share one page, as an administrator would:
// first look and the frame conventions, run, tick, run again, a recorded
// run with NS7 data (problems first, export, print), the narrow frame,
// settings, about, a read-only admin, the page without core.css, then the
// same pages in Italian.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";

const env = (k) => {
  const v = process.env[k];
  if (!v) {
    throw new Error(`${k} is not set: run these tests with go test ./tests/ui`);
  }
  return v;
};
const BASE = env("BASE_URL");
const API = env("API_URL");
const TEST = env("TEST_URL");
const SHOTS = env("SCREENSHOT_DIR");
const MODULE = env("MODULE_ID");
const NS7_HOST_KEY = env("NS7_HOST_KEY");
const FAKE_NODE = process.env.FAKE_NODE === "true";
const INSTANCE_LABEL = env("INSTANCE_LABEL");
const APP_URL = `${BASE}#/apps/${MODULE}`;
const READER_URL = `${BASE}?user=${env("READER_USER")}#/apps/${MODULE}`;
const OUTPUT = path.dirname(SHOTS); // tests/output: the exported report, page heights
const RUN_TIMEOUT = 120_000;
const WIDE = { width: 1366, height: 900 };
const NARROW = { width: 760, height: 900 }; // the cluster admin's frame on a small laptop

let browser;
let page;
const problems = []; // uncaught errors and console errors of every page
const requests = []; // every URL a page asked for
const heights = {}; // page heights (px) measured on the way, for tests/output/page-heights.json

function watch(p, label) {
  p.on("pageerror", (err) => problems.push(`${label}: uncaught ${err.message}`));
  p.on("console", (msg) => {
    // Failed loads are the blocked external fonts and expected 4xx of
    // status polling; anything else the console calls an error is a bug.
    if (msg.type() === "error" && !/Failed to load resource/.test(msg.text())) {
      problems.push(`${label}: console ${msg.text()}`);
    }
  });
}

async function newPage(locale, viewport = WIDE) {
  const context = await browser.newContext({
    locale,
    viewport,
    acceptDownloads: true,
  });
  // Only the test server: the page must not call anything else (a cluster
  // may have no Internet access, and the admin's browser should not tell
  // third parties what it opens).
  const origin = new URL(BASE).origin;
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("blob:") || url.startsWith("data:")) {
      return route.continue();
    }
    problems.push(`${locale}: request to ${url}`);
    return route.abort();
  });
  const p = await context.newPage();
  watch(p, locale);
  p.on("request", (r) => requests.push(r.url()));
  return p;
}

before(async () => {
  await fs.mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  page = await newPage("en-US");
});

after(async () => {
  if (browser) {
    await browser.close();
  }
  await fs.writeFile(path.join(OUTPUT, "page-heights.json"), JSON.stringify(heights, null, 2) + "\n");
});

// The app lives in the stand-in's iframe.
const app = (p = page) => p.frameLocator("#app-frame");
const appFrame = (p = page) => p.frames().find((f) => f.url().includes(`/apps/${MODULE}/`));

// shot saves a full-page screenshot and returns the app page's height (px).
async function shot(name, p = page) {
  // Grow the iframe to its content so that the screenshot shows the page.
  const h = await p.evaluate(() => window.fitFrame());
  await p.waitForTimeout(200);
  await p.screenshot({ path: path.join(SHOTS, name + ".png"), fullPage: true });
  await p.evaluate(() => window.unfitFrame());
  heights[name] = h;
  return h;
}

// appHeight is the app page's full height (px), as fitFrame measures it.
async function appHeight(p = page) {
  const h = await p.evaluate(() => window.fitFrame());
  await p.evaluate(() => window.unfitFrame());
  return h;
}

// A row of the grouped checklist (a blocking finding has a second row, with
// its remedy, in the blockers card at the top).
const groupRow = (a, id, subject) =>
  a.locator(`.check-group .check-row[data-check-id="${id}"]` + (subject ? `[data-subject="${subject}"]` : ""));

// primaryButtonSettled waits until the Run checks button is enabled and
// its colour transition (Carbon's, from the disabled grey) is over, and
// returns its background colour.
async function primaryButtonSettled(p = page) {
  const a = app(p);
  await a.locator("button.run-checks:not([disabled])").waitFor();
  return appFrame(p).evaluate(
    () =>
      new Promise((resolve) => {
        const b = document.querySelector("button.run-checks");
        const running = () => b.getAnimations().length > 0;
        const done = () => (running() ? requestAnimationFrame(done) : resolve(getComputedStyle(b).backgroundColor));
        done();
      })
  );
}

// noSidewaysScroll fails if the app page is wider than its frame.
async function noSidewaysScroll(p, what) {
  const m = await appFrame(p).evaluate(() => {
    const de = document.documentElement;
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > de.clientWidth + 1 && e.getClientRects().length)
      .slice(0, 5)
      .map((e) => e.tagName.toLowerCase() + "." + String(e.className && e.className.baseVal !== undefined ? e.className.baseVal : e.className).split(" ").join("."));
    return { scroll: de.scrollWidth, client: de.clientWidth, wide };
  });
  assert.ok(m.scroll <= m.client, `${what}: the page is ${m.scroll} px wide in a ${m.client} px frame; too wide: ${m.wide}`);
}

// A screenshot of one part of the app page.
async function elementShot(locator, name, p = page) {
  await p.evaluate(() => window.fitFrame());
  await p.waitForTimeout(200);
  await locator.screenshot({ path: path.join(SHOTS, name + ".png") });
  await p.evaluate(() => window.unfitFrame());
}

async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, " ").trim();
}

async function waitText(locator, re, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    if ((await locator.count()) > 0) {
      last = await text(locator.first());
      if (re.test(last)) {
        return last;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waited ${timeout} ms for ${re} and saw ${JSON.stringify(last)}`);
}

// An independent client of the api-server stand-in: what the page shows is
// compared with what the module answers to a second caller.
let token = "";
async function login(user, password) {
  const res = await fetch(API + "/login", {
    method: "POST",
    body: JSON.stringify({ username: user, password }),
  });
  return (await res.json()).token;
}

async function runTask(action, data = null) {
  if (!token) {
    token = await login(env("ADMIN_USER"), env("ADMIN_PASSWORD"));
  }
  const headers = { Authorization: "Bearer " + token, "Content-Type": "application/json" };
  const res = await fetch(`${API}/module/${MODULE}/tasks`, {
    method: "POST",
    headers,
    body: JSON.stringify({ action, data, extra: { title: "test", isNotificationHidden: true } }),
  });
  assert.equal(res.status, 201, `submit ${action}`);
  const id = (await res.json()).data.id;
  for (let i = 0; i < 600; i++) {
    const st = await fetch(`${API}/module/${MODULE}/task/${id}/status`, { headers });
    if (st.status === 200) {
      const body = (await st.json()).data;
      assert.equal(body.exit_code, 0, `${action}: ${body.error}`);
      return body.output;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${action} did not finish`);
}

async function submittedTasks(action, user) {
  const all = await (await fetch(TEST + "/tasks")).json();
  return all.filter((t) => t.action === action && (!user || t.user === user));
}

async function waitVerdict(p = page) {
  await app(p).locator('[data-test="verdict"] .verdict-title').waitFor({ timeout: 30_000 });
}

const OFFICIAL_GROUPS = ["system", "network", "dns", "account", "data", "schedule", "documentation", "other"];

async function groupKeys(p = page) {
  return app(p)
    .locator(".check-group")
    .evaluateAll((els) => els.map((e) => e.dataset.group));
}

function assertOfficialOrder(keys) {
  const idx = keys.map((k) => OFFICIAL_GROUPS.indexOf(k));
  assert.ok(!idx.includes(-1), `unknown group in ${keys}`);
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b), `groups out of order: ${keys}`);
}

async function runChecksAndWait(progressBetween) {
  const a = app();
  await a.locator("button.run-checks").click();
  await a.locator('[data-test="run-progress"]').waitFor({ state: "visible" });
  if (progressBetween) {
    // Wait until the bar shows a value strictly between its ends, then
    // take the viewport as it is.
    await appFrame().waitForFunction(
      () => {
        const el = document.querySelector('[data-test="run-progress"] [role="progressbar"]');
        const v = el ? Number(el.getAttribute("aria-valuenow")) : 0;
        return v > 0 && v < 100;
      },
      null,
      { timeout: RUN_TIMEOUT }
    );
    await page.waitForTimeout(400); // the bar's width transition
    await page.screenshot({ path: path.join(SHOTS, progressBetween + ".png") });
  }
  await a.locator('[data-test="run-progress"]').waitFor({ state: "detached", timeout: RUN_TIMEOUT });
  await a.locator("button.run-checks:not([disabled])").waitFor();
}

test("status page before the first run: the checklist from the catalogue, manual items tickable", async () => {
  await page.goto(APP_URL);
  await waitVerdict();
  const a = app();
  assert.equal(await text(a.locator(".verdict-title")), "No checks run yet");
  assert.equal(await text(a.locator(".page-title")), "Migration preflight");
  // list-checks' catalogue, grouped as the official page groups it.
  await a.locator('[data-check-id="node.cpu"]').waitFor({ state: "attached" });
  const keys = await groupKeys();
  assertOfficialOrder(keys);
  for (const g of ["system", "schedule", "documentation"]) {
    assert.ok(keys.includes(g), `group ${g} in ${keys}`);
  }
  const catalogue = (await runTask("list-checks")).checks;
  const rows = await a.locator(".check-row").count();
  assert.equal(rows, catalogue.filter((c) => !c.id.startsWith("preflight.")).length, "one row per catalogue entry");
  assert.equal(await a.locator('.check-row[data-status="none"]').count(), rows, "nothing has run");
  // What will be checked is folded; the 12 manual items are in sight, to tick.
  assert.equal(await a.locator(".manual-controls").count(), 12, "the 12 manual items can be ticked");
  assert.equal(await a.locator(".manual-controls:visible").count(), 12, "and they are not folded");
  assert.equal(await a.locator('.check-row[data-check-id="node.cpu"]').isVisible(), false, "automatic checks folded");
  const toggle = a.locator('.check-group[data-group="system"] .group-toggle');
  assert.match(await text(toggle), /^Show \d+ checks that will run$/);
  await shot("01-status-before-first-run");
});

test("frame conventions: instance label and node in the header, tab title, the core's stylesheet, shortcuts", async () => {
  const a = app();
  // get-name and get-status, the base actions every module has, read
  // without a notification.
  await waitText(a.locator(".app-header__label"), new RegExp(`^${INSTANCE_LABEL}$`));
  assert.equal(await text(a.locator(".app-header__id")), MODULE);
  await waitText(a.locator(".app-header__node"), /^Node 1 \(leader\)$/);
  assert.equal(await text(a.locator(".app-header__name")), "NethVoice Preflight");
  assert.equal(await text(a.locator("#app-side-nav .instance-name")), INSTANCE_LABEL, "the side menu names the instance");
  for (const action of ["get-name", "get-status"]) {
    const [t] = await submittedTasks(action);
    assert.ok(t, `${action} was submitted`);
    assert.equal(t.extra.isNotificationHidden, true, `${action} is not notified`);
  }
  // The browser tab: page title and app name (PageTitleService).
  assert.equal(await page.title(), "Migration preflight - NethVoice Preflight");

  // The cluster admin's core.css, and not the bundled Carbon.
  const frame = appFrame();
  const button = await primaryButtonSettled();
  assert.ok(requests.some((u) => new URL(u).pathname === "/cluster-admin/css/core.css"), "core.css requested");
  assert.deepEqual(requests.filter((u) => /carbon-fallback/.test(u)), [], "the fallback Carbon CSS is not loaded");
  const look = await frame.evaluate(() => ({
    marker: getComputedStyle(document.documentElement).getPropertyValue("--nvpf-test-core-css").trim(),
    fallback: document.documentElement.classList.contains("no-core-css"),
    nav: getComputedStyle(document.querySelector(".app-side-nav")).backgroundColor,
    margin: getComputedStyle(document.querySelector(".app-content")).marginLeft,
  }));
  assert.deepEqual(
    { ...look, button },
    { marker: "stand-in", fallback: false, nav: "rgb(57, 57, 57)", button: "rgb(15, 98, 254)", margin: "256px" }
  );

  // The core's shortcuts work with the focus in the frame: the page gave
  // the core its window (configureKeyboardShortcuts).
  const handed = await page.evaluate(() => window.coreLog.events.filter((e) => e.name === "configureKeyboardShortcuts"));
  assert.deepEqual(handed.map((e) => e.args), [["[window frame]"]]);
  await a.locator(".page-title").click();
  await page.keyboard.press("Control+Shift+KeyA");
  assert.equal(await page.locator("#app-drawer.open").count(), 1, "Ctrl+Shift+A opens the app drawer");
  await page.keyboard.press("Control+Shift+KeyA");
  assert.equal(await page.locator("#app-drawer.open").count(), 0, "and closes it");
  await page.keyboard.press("Control+Shift+KeyS");
  await page.waitForFunction(() => location.hash === "#/status");
  const shortcuts = await page.evaluate(() => window.coreLog.shortcuts);
  assert.deepEqual(shortcuts, [
    { code: "KeyA", from: "frame" },
    { code: "KeyA", from: "frame" },
    { code: "KeyS", from: "frame" },
  ]);
  // Back to the app, as a click on it in the cluster admin would.
  await page.goto(APP_URL);
  await waitVerdict();
});

test("run checks: the progress bar moves, then the verdict and counts of the real run", async () => {
  const a = app();
  const frame = appFrame();
  // Record every value the progress bar shows while the run goes.
  await frame.evaluate(() => {
    window.__progress = [];
    const seen = () => {
      const el = document.querySelector('[data-test="run-progress"] [role="progressbar"]');
      if (el) {
        const v = el.getAttribute("aria-valuenow");
        if (window.__progress[window.__progress.length - 1] !== v) {
          window.__progress.push(v);
        }
      }
    };
    new MutationObserver(seen).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["aria-valuenow"],
    });
  });
  await runChecksAndWait();

  const shown = (await frame.evaluate(() => window.__progress)).map(Number);
  assert.ok(
    shown.some((v) => v > 0 && v < 100),
    `the bar showed an intermediate value: ${JSON.stringify(shown)}`
  );
  const raised = await page.evaluate(() =>
    window.coreLog.events.filter((e) => e.name.startsWith("run-preflight-progress-")).map((e) => e.args)
  );
  assert.ok(raised.length >= 2, `progress events raised by the core: ${JSON.stringify(raised)}`);
  // As the core raises them: (progress, taskContext), the final message too.
  assert.ok(raised.every(([p, ctx]) => typeof p === "number" && ctx.action === "run-preflight"), JSON.stringify(raised));
  assert.equal(raised[raised.length - 1][0], 100, "the final message is raised too");
  const ok = await page.evaluate(() => window.coreLog.events.filter((e) => e.name.startsWith("run-preflight-validation-ok-")));
  assert.equal(ok.length, 1, "validation-ok once");
  assert.equal(ok[0].args[0].context.action, "run-preflight", "with the store's task object");
  const [submitted] = await submittedTasks("run-preflight");
  assert.equal(submitted.extra.isProgressNotified, true);
  assert.equal(submitted.extra.isNotificationHidden, false, "a run is a task the core notifies");
  assert.equal(submitted.user, env("ADMIN_USER"), "the task carries the signed-in user");

  // The page shows what the module stored.
  const { report, history } = await runTask("get-report");
  assert.ok(report, "a report is stored");
  const verdict = report.ready ? "Ready to migrate" : "Not ready to migrate";
  assert.equal(await text(a.locator(".verdict-title")), verdict);
  for (const s of ["pass", "warn", "fail", "skip", "ignored"]) {
    assert.equal(
      await text(a.locator(`.count[data-count="${s}"] .count-n`)),
      String(report.summary[s]),
      `count ${s}`
    );
  }
  assert.equal(await a.locator(".check-group .check-row").count(), report.checks.length, "one row per finding");
  assert.match(await text(a.locator(".last-run")), /^Last run .* by admin, in [\d.]+ s$/);
  assert.equal(history.length, 1);
  assert.equal(await a.locator(".history-table tbody tr").count(), 1);
  assert.equal(await text(a.locator(".changes-none")), "This is the first run: nothing to compare with.");
  // Problems first: every blocking finding with its remedy at the top,
  // and its checklist row pointing there.
  const blocking = report.checks.filter((x) => x.blocking);
  assert.equal(await a.locator(".blockers .check-row").count(), blocking.length, "one blocker per blocking finding");
  for (const f of blocking) {
    const sel = `.check-row[data-check-id="${f.id}"][data-subject="${f.subject}"]`;
    const top = a.locator(".blockers " + sel);
    assert.equal(await top.getAttribute("data-status"), "fail", f.id);
    assert.equal(await text(top.locator(".check-hint")), f.remediation.hint.replace(/\s+/g, " ").trim());
    assert.equal(await a.locator(".check-group " + sel + " .check-remedy-above").count(), 1, f.id);
  }
  if (FAKE_NODE) {
    const cpu = groupRow(a, "node.cpu");
    assert.equal(await cpu.getAttribute("data-status"), "pass");
    assert.equal(await cpu.isVisible(), false, "a pass is folded");
    assert.match(await cpu.locator(".check-message").textContent(), /8 CPU cores/);
  }
  await shot("02-status-after-run");
});

test("tick a manual item with a note: stored with who and when", async () => {
  const a = app();
  const row = a.locator('.check-row[data-check-id="manual.backup"]');
  assert.equal(await row.getAttribute("data-status"), "warn");
  await row.locator(".manual-done label").click();
  await row.locator(".manual-note input").fill("Full backup on the NAS, checked by Anna");
  await row.locator("button.manual-save").click();
  await waitText(row.locator(".manual-who"), /^Confirmed by admin, .+: .?Full backup on the NAS, checked by Anna.? \(the report follows at the next run\)$/);
  assert.equal(await row.getAttribute("data-status"), "pass");
  assert.equal(await row.isVisible(), true, "ticked now: kept in sight until the report catches up");

  const { checklist } = await runTask("get-report");
  assert.equal(checklist.backup.done, true);
  assert.equal(checklist.backup.note, "Full backup on the NAS, checked by Anna");
  assert.equal(checklist.backup.by, "admin");
  await elementShot(a.locator('.check-group[data-group="documentation"]'), "03-manual-item-ticked");
});

test("run again: what changed since the previous run, and the history", async () => {
  const a = app();
  await runChecksAndWait();
  const change = a.locator('.changes-list .change[data-check-id="manual.backup"]');
  await change.waitFor();
  assert.match(await text(change), /Warning → Passed$/);
  assert.equal(await a.locator(".history-table tbody tr").count(), 2);
  const row = a.locator('.check-row[data-check-id="manual.backup"]');
  // Passed in the report now: folded with the group's other passes.
  assert.equal(await row.isVisible(), false, "folded once the report has caught up");
  const toggle = a.locator('.check-group[data-group="documentation"] .group-toggle');
  assert.match(await text(toggle), /^Show (the passed check|\d+ passed checks)$/);
  await toggle.click();
  assert.equal(await row.isVisible(), true, "unfolded on request");
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  assert.match(await text(row.locator(".manual-who")), /^Confirmed by admin/);
  assert.equal(await row.locator(".manual-pending").count(), 0, "the report has caught up");
  await toggle.click();
  assert.equal(await row.isVisible(), false, "folded again");
});

test("a recorded run with NS7 facts: all groups, ignored finding, remedies, data chart, extensions CSV", async () => {
  const res = await fetch(TEST + "/seed-recorded-run", { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  const seeded = await res.json();
  await page.reload();
  await waitVerdict();
  const a = app();
  await waitText(a.locator(".verdict-title"), /^Not ready to migrate$/);
  assert.equal(await text(a.locator(".verdict-detail")), "One blocking finding must be fixed before the migration starts.");
  await a.locator('.check-row[data-check-id="ns7.future-check"]').waitFor();
  assert.deepEqual(await groupKeys(), OFFICIAL_GROUPS, "every official group, and Other for an unknown id");
  assert.equal(
    await a.locator('.check-group[data-group="other"] .check-row').getAttribute("data-check-id"),
    "ns7.future-check"
  );

  // A failure with its remedy and a copyable command, at the top.
  const cti = a.locator('.blockers .check-row[data-check-id="fqdn.points-to-node"][data-subject="cti.example.test"]');
  assert.equal(await cti.getAttribute("data-status"), "fail");
  assert.equal(await text(cti.locator(".check-command pre")), "dig +short cti.example.test A");
  assert.equal(await cti.locator(".check-command button.bx--copy-btn").count(), 1, "a copy button");
  assert.equal(
    await cti.locator("a.check-doc").getAttribute("href"),
    "https://github.com/nethvoice-preflight/ns8-nethvoice-preflight/blob/main/docs/checks.md#fqdnpoints-to-node",
    "the absolute address the report gives, with the anchor GitHub renders"
  );
  // An ignore entry whose subject matches nothing is said, not silently kept.
  await waitText(a.locator('[data-test="ignore-unmatched"]'), /These entries of the ignore list ignore nothing: .*node\.cpu \(node 7\)/);
  // An ignored failure: shown, not blocking, with the reason.
  const gw = groupRow(a, "ns7.gateways");
  assert.equal(await gw.getAttribute("data-status"), "ignored");
  assert.equal(await gw.isVisible(), true, "ignored findings are not folded");
  assert.match(await text(gw.locator(".check-ignored")), /^Ignored: gw-lobby is replaced/);
  // The changes the run recorded.
  assert.equal(await a.locator(".changes-list .change").count(), seeded.changes.length);

  // NS7 data sizes, biggest first, with the total.
  const bars = a.locator(".size-bar");
  assert.equal(await bars.count(), 12, "6 file categories and 6 databases");
  assert.equal(await bars.first().getAttribute("data-category"), "recordings");
  assert.match(await text(bars.first()), /^Call recordings 45 GiB$/);
  assert.match(await text(a.locator(".size-total")), /^Total 62\.4 GiB$/);

  // The extension list as CSV: quoted where needed, no formula.
  assert.equal(await text(a.locator(".extensions-count")), "6 extensions on NS7.");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    a.locator("button.download-csv").click(),
  ]);
  assert.match(download.suggestedFilename(), /^ns7-extensions-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await fs.readFile(await download.path(), "utf8");
  assert.equal(
    csv,
    [
      "extension,name",
      "201,Mario Rossi",
      "202,Giulia Bianchi",
      '203,"Reception, front desk"',
      '204,"Luca ""Lucky"" Verdi"',
      "205,'=SUM(1+1)",
      "300,Sala riunioni",
      "",
    ].join("\r\n")
  );
  await shot("04-status-recorded-run-with-ns7-data");

  // "Only what is left" keeps failures, warnings and unticked items.
  await a.locator(".only-open label").click();
  const left = await a.locator(".check-group .check-row").evaluateAll((els) => els.map((e) => e.dataset.status));
  assert.ok(left.length > 0 && left.every((s) => ["fail", "warn", "none"].includes(s)), `left: ${left}`);
  await a.locator(".only-open label").click();

  // An earlier run from the history, and back.
  await a.locator(".history-table tbody tr:nth-child(2) .history-view").click();
  await a.locator(".viewing-old").waitFor();
  assert.equal(await a.locator(".size-bar").count(), 0, "the earlier run has no NS7 data");
  assert.match(await text(a.locator(".no-data-sizes")), /^Not measured yet/);
  await shot("05-status-earlier-run-from-history");
  await a.locator(".viewing-old .action-button").click();
  await a.locator(".viewing-old").waitFor({ state: "detached" });
  assert.equal(await a.locator(".size-bar").count(), 12);

  // A measurement cut by its budget is never shown as if it were all: the
  // recordings counted in part are "at least", the databases not read are
  // unknown (not zero), the total is at least, at most the bound.
  const cut = await fetch(TEST + "/seed-recorded-run?data=partial", { method: "POST" });
  assert.equal(cut.status, 200, await cut.clone().text());
  await page.reload();
  await waitVerdict();
  await waitText(a.locator('.size-bar[data-category="recordings"]'), /^Call recordings at least 20 GiB$/);
  assert.equal(await text(a.locator('.size-unmeasured[data-category="databases"]')), "Databases not measured");
  assert.equal(await a.locator('.size-bar[data-category="asteriskcdrdb"]').count(), 0);
  assert.equal(await a.locator(".size-total").getAttribute("data-complete"), "false");
  assert.match(await text(a.locator(".size-total")), /^Total at least 23 GiB, at most 480 GiB$/);
  await shot("05b-status-data-measured-in-part");
  // The complete recorded run again, for the pages that follow.
  const again = await fetch(TEST + "/seed-recorded-run", { method: "POST" });
  assert.equal(again.status, 200, await again.clone().text());
  await page.reload();
  await waitVerdict();
  await waitText(a.locator(".size-total"), /^Total 62\.4 GiB$/);
});

test("problems first: the blockers and their remedies open the page, passing checks folded per group", async () => {
  const a = app();
  const { report } = await runTask("get-report");
  // The first card after the verdict is what blocks the migration.
  const order = await appFrame().evaluate(() =>
    [...document.querySelectorAll(".status-page > .card")].slice(0, 2).map((e) => e.dataset.test)
  );
  assert.deepEqual(order, ["verdict", "blockers"]);
  const blocking = report.checks.filter((f) => f.blocking);
  assert.equal(blocking.length, 1);
  assert.match(await text(a.locator(".blockers-title")), /^What blocks the migration$/);
  const top = a.locator(".blockers .check-row");
  assert.deepEqual(
    await top.evaluateAll((els) => els.map((e) => e.dataset.checkId + " " + e.dataset.subject)),
    blocking.map((f) => f.id + " " + f.subject)
  );
  assert.equal(await text(top.locator(".check-hint")), blocking[0].remediation.hint);
  // Its row in the checklist points to the remedy, which is not repeated.
  const below = groupRow(a, blocking[0].id, blocking[0].subject);
  assert.equal(await below.locator(".check-remediation").count(), 0);
  await below.locator(".check-remedy-above a").click();
  assert.ok(await top.first().isVisible());

  // Per group: what did not pass is open, what passed is folded and counted.
  for (const key of OFFICIAL_GROUPS) {
    const group = a.locator(`.check-group[data-group="${key}"]`);
    const statuses = await group.locator(".check-row").evaluateAll((els) =>
      els.map((e) => ({ status: e.dataset.status, shown: e.getClientRects().length > 0 }))
    );
    for (const r of statuses) {
      assert.equal(r.shown, r.status !== "pass", `${key}: a ${r.status} row is ${r.shown ? "shown" : "folded"}`);
    }
    const passed = statuses.filter((r) => r.status === "pass").length;
    const toggle = group.locator(".group-toggle");
    if (passed) {
      assert.equal(await text(toggle), passed === 1 ? "Show the passed check" : `Show ${passed} passed checks`);
    } else {
      assert.equal(await toggle.count(), 0, `${key}: nothing folded, no toggle`);
    }
  }

  // How much shorter: the page folded, then with every group unfolded.
  const foldedRows = await a.locator(".folded-rows .check-row").count();
  const folded = await appHeight();
  const toggles = a.locator(".group-toggle");
  const n = await toggles.count();
  for (let i = 0; i < n; i++) {
    await toggles.nth(i).click();
  }
  const unfolded = await appHeight();
  heights["status-recorded-run-folded"] = folded;
  heights["status-recorded-run-unfolded"] = unfolded;
  // A row is at least 40 px tall: folding took that much per folded row.
  assert.ok(unfolded - folded >= 40 * foldedRows, `folded ${folded} px, unfolded ${unfolded} px, ${foldedRows} rows folded`);
  for (let i = 0; i < n; i++) {
    await toggles.nth(i).click();
  }
  assert.equal(await appHeight(), folded);
});

test("export: the findings with their remedies as Markdown, for the customer", async () => {
  const a = app();
  const { report, checklist } = await runTask("get-report");
  const [download] = await Promise.all([page.waitForEvent("download"), a.locator("button.export-report").click()]);
  assert.match(download.suggestedFilename(), new RegExp(`^nethvoice-preflight-${MODULE}-\\d{4}-\\d{2}-\\d{2}\\.md$`));
  const md = await fs.readFile(await download.path(), "utf8");
  await fs.writeFile(path.join(OUTPUT, "report-export.md"), md);
  const lines = md.split("\n");
  assert.equal(lines[0], `# NethVoice Preflight: ${INSTANCE_LABEL}`);
  assert.ok(md.includes(`- **Instance:** ${INSTANCE_LABEL} (\`${MODULE}\`)`), "instance");
  assert.ok(md.includes("- **Node:** Node 1 (leader)"), "node");
  assert.ok(md.includes("- **Verdict:** **Not ready to migrate**"), "verdict");
  assert.ok(md.includes(`(\`${report.run_id}\`)`), "run id");
  const sections = lines.filter((l) => l.startsWith("## "));
  assert.deepEqual(sections, [
    "## What blocks the migration (1)",
    "## Warnings (5)",
    "## Not checked (1)",
    "## Ignored (1)",
    "## Manual checklist",
    "## Passed",
    "## What changed since the previous run",
  ]);
  // Every finding that is not a pass, with its remedy and commands.
  for (const f of report.checks.filter((x) => x.status !== "pass" && !x.id.startsWith("manual."))) {
    const at = md.indexOf("`" + f.id + "` · ");
    assert.ok(at > 0, `${f.id} is in the report`);
    if (f.remediation && f.remediation.hint) {
      assert.ok(md.includes("**Remedy:** " + f.remediation.hint.replace(/"/g, '"')), `${f.id}: remedy`);
      for (const c of f.remediation.commands || []) {
        assert.ok(md.includes("```sh\n" + c + "\n```"), `${f.id}: command ${c}`);
      }
    }
  }
  assert.ok(md.indexOf("## What blocks") < md.indexOf("`fqdn.points-to-node` · Failed"), "the blocker first");
  assert.ok(md.includes("Ignored: gw\\-lobby is replaced") || md.includes("Ignored: gw-lobby is replaced"), "ignore reason");
  // The manual checklist: who confirmed what.
  const manual = lines.filter((l) => l.startsWith("| ") && !l.startsWith("| Item"));
  assert.equal(manual.length, report.checks.filter((x) => x.id.startsWith("manual.")).length);
  const backup = manual.find((l) => l.includes("Passed") && l.includes(checklist.backup.note));
  assert.ok(backup && backup.includes("admin, "), `manual backup row: ${backup}`);
  // Every automatic pass is listed under Passed.
  const passed = md.slice(md.indexOf("## Passed"), md.indexOf("## What changed")).split("\n").filter((l) => l.startsWith("- "));
  assert.equal(passed.length, report.checks.filter((x) => x.status === "pass" && !x.id.startsWith("manual.")).length);
});

test("print: the report on paper, unfolded, without the controls", async () => {
  const a = app();
  await page.emulateMedia({ media: "print" });
  try {
    const look = await appFrame().evaluate(() => {
      const shown = (sel) => [...document.querySelectorAll(sel)].map((e) => getComputedStyle(e).display !== "none");
      return {
        nav: shown(".app-side-nav"),
        actions: shown(".page-actions"),
        toggles: shown(".group-toggle"),
        controls: shown(".manual-controls"),
        folded: shown(".folded-rows"),
        header: shown(".app-header"),
        margin: getComputedStyle(document.querySelector(".app-content")).marginLeft,
      };
    });
    assert.deepEqual(look.nav, [false], "no side menu");
    assert.deepEqual(look.actions, [false], "no buttons");
    assert.ok(look.toggles.length && look.toggles.every((x) => !x), "no fold toggles");
    assert.ok(look.controls.length && look.controls.every((x) => !x), "no checklist controls");
    assert.ok(look.folded.length && look.folded.every((x) => x), "every group unfolded");
    assert.deepEqual(look.header, [true], "the instance and node on paper");
    assert.equal(look.margin, "0px");
    assert.equal(await a.locator('.check-group .check-row[data-status="pass"]').first().isVisible(), true);
    await shot("06-status-print");
  } finally {
    await page.emulateMedia({ media: "screen" });
  }
});

test("narrow frame: no sideways scroll at 760 px, the side menu folded", async () => {
  const narrow = await newPage("en-US", NARROW);
  try {
    await narrow.goto(APP_URL);
    await waitVerdict(narrow);
    const a = app(narrow);
    await waitText(a.locator(".verdict-title"), /^Not ready to migrate$/);
    await a.locator(".blockers .check-row").waitFor();
    assert.equal(await narrow.evaluate(() => document.getElementById("app-frame").clientWidth), 760);
    const nav = await appFrame(narrow).evaluate(() => document.querySelector(".app-side-nav").getBoundingClientRect().width);
    assert.equal(nav, 48, "the side menu is folded to its icons");
    await noSidewaysScroll(narrow, "status");
    await shot("07-status-760", narrow);
    // Unfolded, the longest rows are there too.
    const toggles = a.locator(".group-toggle");
    for (let i = 0, n = await toggles.count(); i < n; i++) {
      await toggles.nth(i).click();
    }
    await noSidewaysScroll(narrow, "status, every group unfolded");
    heights["status-760-unfolded"] = await appHeight(narrow);

    // The folded menu's icons, as a touch or a click on them would do;
    // then the pointer leaves the menu, which folds again.
    await a.locator(".nav-settings a").click({ position: { x: 24, y: 24 } });
    await narrow.mouse.move(700, 800);
    await a.locator('input[data-field="ns7.port"]').waitFor();
    await noSidewaysScroll(narrow, "settings");
    await shot("08-settings-760", narrow);

    await a.locator(".nav-about a").click({ position: { x: 24, y: 24 } });
    await narrow.mouse.move(700, 800);
    await a.locator(".about-name").waitFor();
    await noSidewaysScroll(narrow, "about");
    await shot("09-about-760", narrow);
  } finally {
    await narrow.context().close();
  }
});

test("settings: public key and command, pinned host key, field error from the agent, save", async () => {
  const a = app();
  await a.locator(".nav-settings a").click();
  await a.locator('input[data-field="ns7.port"]').waitFor();
  assert.match(page.url(), /#\/apps\/nethvoice-preflight1\?page=settings$/, "navigation goes through the core's URL");
  assert.equal(await page.title(), "Settings - NethVoice Preflight");

  const config = await runTask("get-configuration");
  assert.match(config.ssh_public_key, /^ssh-ed25519 /);
  assert.equal(await text(a.locator(".ssh-public-key pre")), config.ssh_public_key);
  const cmd = await text(a.locator(".ssh-authorize-command pre"));
  assert.ok(cmd.includes(`echo '${config.ssh_public_key}' >> ~/.ssh/authorized_keys`), cmd);
  assert.equal(await text(a.locator(".ns7-host-key")), NS7_HOST_KEY);
  await shot("10-settings");

  // Out of range: the agent's validation-failed output names the field.
  await a.locator('input[data-field="ns7.port"]').fill("70000");
  await a.locator("button.save-settings").click();
  const portError = a.locator('.bx--form-item:has(input[data-field="ns7.port"]) .bx--form-requirement');
  await waitText(portError, /^Too large$/);
  assert.match(await text(a.locator(".page-error")), /Some values are not valid/);
  const failed = await page.evaluate(() =>
    window.coreLog.events.filter((e) => e.name.startsWith("configure-module-validation-failed-"))
  );
  assert.equal(failed.length, 1);
  assert.ok(failed[0].args[0].some((e) => e.field === "ns7.port" && e.value === 70000), JSON.stringify(failed[0].args[0]));
  await shot("11-settings-invalid-port");

  // Valid values are saved.
  await a.locator('input[data-field="ns7.port"]').fill("2222");
  await a.locator('input[data-field="ns7.host"]').fill("ns7.example.test");
  await a.locator('input[data-field="fqdns.nethvoice"]').fill("voice.example.test");
  await a.locator('input[data-field="fqdns.cti"]').fill("cti.example.test");
  await a.locator('input[data-field="ldap_domain"]').fill("nethvoice.example.test");
  await a.locator("button.ignore-add").click();
  await a.locator(".ignore-row select").selectOption("node.cpu");
  await a.locator(".ignore-row .ignore-reason input").fill("lab cluster, 2 cores on purpose");
  await a.locator("button.save-settings").click();
  await a.locator(".settings-saved").waitFor();
  assert.equal(await portError.count(), 0, "the error is gone");
  assert.equal((await submittedTasks("configure-module")).length, 2, "one refused save, one saved");
  const saved = await runTask("get-configuration");
  assert.deepEqual(saved.ns7, { host: "ns7.example.test", port: 2222, user: "root" });
  assert.equal(saved.fqdns.nethvoice, "voice.example.test");
  assert.equal(saved.fqdns.cti, "cti.example.test");
  assert.equal(saved.ldap_domain, "nethvoice.example.test");
  assert.deepEqual(saved.ignore, [{ id: "node.cpu", subject: "", reason: "lab cluster, 2 cores on purpose" }]);
  assert.equal(await a.locator('input[data-field="ns7.port"]').inputValue(), "2222", "the form shows what was stored");
});

test("about page from metadata.json", async () => {
  const a = app();
  await a.locator(".nav-about a").click();
  await a.locator(".about-name").waitFor();
  assert.equal(await text(a.locator(".about-name")), "NethVoice Preflight");
  assert.match(await text(a.locator(".about-description")), /^Automatic preflight checks before migrating NethVoice/);
  assert.equal(await text(a.locator(".about-categories")), "Communication", "category name from the core's software_center strings");
  assert.equal(await text(a.locator(".about-source code")), "ghcr.io/nethvoice-preflight/nethvoice-preflight");
  assert.ok(await a.locator(".about-logo").evaluate((img) => img.complete && img.naturalWidth >= 128), "logo loads");
  assert.equal(await page.title(), "About - NethVoice Preflight");
  await shot("12-about");
});

test("reader role: what a reader may open works, owner actions say so instead of failing", async () => {
  const readerToken = await login(env("READER_USER"), env("READER_PASSWORD"));
  // The api-server's rule, as the stand-in applies it from Redis: get-*
  // and list-* are a reader's; the rest answers 403.
  const post = (action) =>
    fetch(`${API}/module/${MODULE}/tasks`, {
      method: "POST",
      headers: { Authorization: "Bearer " + readerToken, "Content-Type": "application/json" },
      body: JSON.stringify({ action, data: null, extra: { isNotificationHidden: true } }),
    });
  for (const action of ["get-report", "get-configuration", "list-checks", "get-name"]) {
    assert.equal((await post(action)).status, 201, action);
  }
  for (const action of ["run-preflight", "set-checklist", "configure-module", "probe-ns7"]) {
    const res = await post(action);
    assert.equal(res.status, 403, action);
    assert.deepEqual(Object.keys(await res.json()).sort(), ["code", "data", "message"]);
  }

  const r = await newPage("en-US");
  try {
    // Settings first: a save is refused, and the page says why.
    await r.goto(READER_URL + "?page=settings");
    const a = app(r);
    await a.locator('input[data-field="ns7.port"]').waitFor();
    assert.equal(await a.locator('input[data-field="ns7.host"]').inputValue(), "ns7.example.test", "get-configuration works");
    await a.locator("button.save-settings").click();
    await waitText(a.locator(".page-error"), /configure-module needs the owner role on this module; your account can only read/);
    await a.locator('[data-test="read-only"]').waitFor();
    assert.match(await text(a.locator('[data-test="read-only"]')), /^Read-only access Your account has the reader role/);
    assert.equal(await a.locator('input[data-field="ns7.host"]').isDisabled(), true, "the form is read-only now");
    assert.equal(await a.locator("button.save-settings").isDisabled(), true);
    assert.equal(await text(a.locator(".owner-needed")), "Needs the owner role on this module");
    await shot("13-reader-settings", r);

    // Status: the report, the checklist, the export; no run, no tick.
    await a.locator(".nav-status a").click();
    await waitVerdict(r);
    await waitText(a.locator(".verdict-title"), /^Not ready to migrate$/);
    assert.equal(await text(a.locator(".app-header__label")), INSTANCE_LABEL, "get-name works for a reader");
    assert.equal(await a.locator("button.run-checks").isDisabled(), true);
    assert.equal(await a.locator("button.run-options-toggle").isDisabled(), true);
    const done = a.locator('.check-row[data-check-id="manual.rollback-plan"] .manual-done input');
    assert.equal(await done.isDisabled(), true, "manual items cannot be ticked");
    const [download] = await Promise.all([r.waitForEvent("download"), a.locator("button.export-report").click()]);
    assert.match(await fs.readFile(await download.path(), "utf8"), /^# NethVoice Preflight: /);
    await shot("14-reader-status", r);
    assert.deepEqual(await submittedTasks("configure-module", env("READER_USER")), [], "nothing was queued for the reader");
    assert.ok((await submittedTasks("get-report", env("READER_USER"))).length >= 1, "the reader's get-report ran");
  } finally {
    await r.context().close();
  }
});

test("without the cluster admin's core.css: the bundled Carbon CSS takes over", async () => {
  const p = await newPage("en-US");
  try {
    await p.context().route("**/cluster-admin/css/core.css", (route) =>
      route.fulfill({ status: 404, contentType: "text/plain", body: "not found" })
    );
    const before = requests.length;
    await p.goto(APP_URL);
    await waitVerdict(p);
    const asked = requests.slice(before);
    assert.ok(asked.some((u) => /\/css\/carbon-fallback\.[0-9a-f]+\.css$/.test(u)), "the fallback CSS is loaded");
    const button = await primaryButtonSettled(p);
    const look = await appFrame(p).evaluate(() => ({
      fallback: document.documentElement.classList.contains("no-core-css"),
      nav: getComputedStyle(document.querySelector(".app-side-nav")).backgroundColor,
      margin: getComputedStyle(document.querySelector(".app-content")).marginLeft,
    }));
    assert.deepEqual({ ...look, button }, { fallback: true, nav: "rgb(57, 57, 57)", button: "rgb(15, 98, 254)", margin: "256px" });
    await shot("15-status-without-core-css", p);
  } finally {
    await p.context().close();
  }
});

test("Italian: a browser in Italian gets the Italian page", async () => {
  const it = await newPage("it-IT");
  await it.goto(APP_URL);
  await waitVerdict(it);
  const a = app(it);
  assert.equal(await text(a.locator(".page-title")), "Verifiche pre-migrazione");
  assert.equal(await text(a.locator("button.run-checks")), "Esegui verifiche");
  assert.equal(await text(a.locator(".verdict-title")), "Non pronto per la migrazione");
  assert.equal(await text(a.locator('.check-group[data-group="system"] .card-title')), "Sistema");
  const cpu = groupRow(a, "node.cpu");
  assert.equal((await cpu.locator(".check-title").textContent()).trim(), "CPU sufficienti");
  assert.equal((await cpu.locator(".status-label").textContent()).trim(), "Superato");
  assert.match(await text(a.locator('.check-group[data-group="system"] .group-toggle')), /^Mostra \d+ verifiche superate$/);
  assert.match(await text(a.locator(".last-run")), /^Ultima esecuzione .* da admin, in 8,4 s$/);
  assert.match(await text(a.locator(".size-total")), /^Totale 62,4 GiB$/);
  await waitText(a.locator(".app-header__node"), /^Nodo 1 \(leader\)$/);
  await shot("16-status-italian", it);

  await it.goto(APP_URL + "?page=settings");
  await a.locator('input[data-field="ns7.port"]').waitFor();
  assert.equal(await text(a.locator(".page-title")), "Impostazioni");
  assert.equal(await text(a.locator('.bx--form-item:has(input[data-field="ns7.port"]) label')), "Porta SSH");
  await shot("17-settings-italian", it);
  await it.context().close();
});

test("run options: a malformed host key fingerprint is refused by the agent, under its field", async () => {
  const a = app();
  await a.locator(".nav-status a").click();
  await waitVerdict();
  await a.locator("button.run-options-toggle").click();
  await a.locator(".option-host-key input").fill("SHA256:not-a-fingerprint");
  await a.locator("button.run-checks").click();
  const err = a.locator(".option-host-key .bx--form-requirement");
  await waitText(err, /^Not in the expected format$/);
  assert.match(await text(a.locator(".page-error")), /run-preflight refused its input/);
  const [, , third] = await submittedTasks("run-preflight");
  assert.equal(third.data.accept_host_key, "SHA256:not-a-fingerprint");
  await page.screenshot({ path: path.join(SHOTS, "18-status-run-options-refused.png") });
  await a.locator(".option-host-key input").fill("");
  await a.locator("button.run-options-toggle").click();
  await a.locator(".page-error button.bx--inline-notification__close-button").click();
});

test("a run against an NS7 that does not answer: the bar holds, the deadline ends the run", async () => {
  // SILENT_NS7 accepts TCP connections and never speaks: the probe waits
  // for its deadline (timeout_s 5) while the other parts are done.
  const [host, port] = env("SILENT_NS7").split(":");
  await runTask("configure-module", { ns7: { host, port: Number(port) } });
  const a = app();
  const started = Date.now();
  await runChecksAndWait("19-status-run-in-progress");
  assert.ok(Date.now() - started >= 4000, "the run lasted until the probe's deadline");
  const { report } = await runTask("get-report");
  const ssh = report.checks.find((f) => f.id === "ns7.ssh");
  assert.ok(ssh, "ns7.ssh is in the report");
  const row = groupRow(a, "ns7.ssh");
  assert.equal(await row.getAttribute("data-status"), ssh.status);
  assert.equal(
    (await row.locator(".check-message").textContent()).replace(/\s+/g, " ").trim(),
    ssh.message.replace(/\s+/g, " ").trim()
  );
  assert.equal(await a.locator(".history-table tbody tr").count(), 6, "two runs, the recorded one, the cut one, the recorded one again, this one");
});

test("the websocket relays progress only to a session authorized with a valid token", async () => {
  const got = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/cluster-admin/ws");
        const msgs = [];
        ws.onopen = () => ws.send(JSON.stringify({ action: "authorize", payload: { jwt: "not-a-token" } }));
        ws.onmessage = (e) => msgs.push(JSON.parse(e.data));
        ws.onclose = () => resolve(msgs);
      })
  );
  assert.deepEqual(got.map((m) => m.type), ["authorize-error"]);
});

test("no uncaught error, console error or outside request in any page", () => {
  assert.deepEqual(problems, []);
});
