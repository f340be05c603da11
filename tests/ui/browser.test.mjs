// Browser tests of the nethvoice-preflight admin UI.
//
// Started by ui_test.go (go test ./tests/ui), which provides the world:
// BASE_URL is the cluster admin stand-in (fakecore.html) in front of the
// real binary run by the NS8 agent emulator; API_URL its api-server
// stand-in; TEST_URL test-only helpers. Chromium is Debian's, driven by
// playwright-core (no browser download). Screenshots go to SCREENSHOT_DIR.
//
// The tests run in order and share one page, as an administrator would:
// first look, run, tick, run again, a recorded run with NS7 data,
// settings, about, then the same pages in Italian.
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
const APP_URL = `${BASE}#/apps/${MODULE}`;
const RUN_TIMEOUT = 120_000;

let browser;
let page;
const problems = []; // uncaught errors and console errors of every page

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

async function newPage(locale) {
  const context = await browser.newContext({
    locale,
    viewport: { width: 1366, height: 900 },
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
});

// The app lives in the stand-in's iframe.
const app = (p = page) => p.frameLocator("#app-frame");
const appFrame = (p = page) => p.frames().find((f) => f.url().includes(`/apps/${MODULE}/`));

async function shot(name, p = page) {
  // Grow the iframe to its content so that the screenshot shows the page.
  await p.evaluate(() => window.fitFrame());
  await p.waitForTimeout(200);
  await p.screenshot({ path: path.join(SHOTS, name + ".png"), fullPage: true });
  await p.evaluate(() => window.unfitFrame());
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
async function runTask(action, data = null) {
  if (!token) {
    const res = await fetch(API + "/login", {
      method: "POST",
      body: JSON.stringify({ username: env("ADMIN_USER"), password: env("ADMIN_PASSWORD") }),
    });
    token = (await res.json()).token;
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

async function submittedTasks(action) {
  const all = await (await fetch(TEST + "/tasks")).json();
  return all.filter((t) => t.action === action);
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
  // The side menu and the instance name parsed from the parent URL.
  assert.equal(await text(a.locator(".app-menu-instance")), MODULE);
  assert.equal(await text(a.locator(".page-title")), "Migration preflight");
  // list-checks' catalogue, grouped as the official page groups it.
  await a.locator('[data-check-id="node.cpu"]').waitFor();
  const keys = await groupKeys();
  assertOfficialOrder(keys);
  for (const g of ["system", "schedule", "documentation"]) {
    assert.ok(keys.includes(g), `group ${g} in ${keys}`);
  }
  const catalogue = (await runTask("list-checks")).checks;
  const rows = await a.locator(".check-row").count();
  assert.equal(rows, catalogue.filter((c) => !c.id.startsWith("preflight.")).length, "one row per catalogue entry");
  assert.equal(await a.locator('.check-row[data-status="none"]').count(), rows, "nothing has run");
  assert.equal(await a.locator(".manual-controls").count(), 12, "the 12 manual items can be ticked");
  await shot("01-status-before-first-run");
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
    window.coreLog.events.filter((e) => e.name.startsWith("run-preflight-progress-")).map((e) => e.args[0])
  );
  assert.ok(raised.length >= 2, `progress events raised by the core: ${raised}`);
  const [submitted] = await submittedTasks("run-preflight");
  assert.equal(submitted.extra.isProgressNotified, true);
  assert.equal(submitted.extra.isNotificationHidden, false, "a run is a task the core notifies");

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
  assert.equal(await a.locator(".check-row").count(), report.checks.length, "one row per finding");
  assert.match(await text(a.locator(".last-run")), /^Last run .* by admin, in [\d.]+ s$/);
  assert.equal(history.length, 1);
  assert.equal(await a.locator(".history-table tbody tr").count(), 1);
  assert.equal(await text(a.locator(".changes-none")), "This is the first run: nothing to compare with.");
  // Every finding carries a status; failures and warnings their remedy.
  for (const f of report.checks.filter((x) => x.status === "fail" && !x.ignored)) {
    const row = a.locator(`.check-row[data-check-id="${f.id}"][data-subject="${f.subject}"]`);
    assert.equal(await row.getAttribute("data-status"), "fail", f.id);
    assert.equal(await text(row.locator(".check-hint")), f.remediation.hint.replace(/\s+/g, " ").trim());
  }
  if (FAKE_NODE) {
    assert.equal(await a.locator('.check-row[data-check-id="node.cpu"]').getAttribute("data-status"), "pass");
    assert.match(await text(a.locator('.check-row[data-check-id="node.cpu"] .check-message')), /8 CPU cores/);
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
  assert.match(await text(row.locator(".manual-who")), /^Confirmed by admin/);
  assert.equal(await row.locator(".manual-pending").count(), 0, "the report has caught up");
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

  // A failure with its remedy and a copyable command.
  const cti = a.locator('.check-row[data-check-id="fqdn.points-to-node"][data-subject="cti.example.test"]');
  assert.equal(await cti.getAttribute("data-status"), "fail");
  assert.equal(await text(cti.locator(".check-command pre")), "dig +short cti.example.test A");
  assert.equal(await cti.locator(".check-command button.bx--copy-btn").count(), 1, "a copy button");
  assert.match(await cti.locator("a.check-doc").getAttribute("href"), /\/blob\/main\/docs\/checks\.md#fqdn-points-to-node$/);
  // An ignored failure: shown, not blocking, with the reason.
  const gw = a.locator('.check-row[data-check-id="ns7.gateways"]');
  assert.equal(await gw.getAttribute("data-status"), "ignored");
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
  const left = await a.locator(".check-row").evaluateAll((els) => els.map((e) => e.dataset.status));
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

test("settings: public key and command, pinned host key, field error from the agent, save", async () => {
  const a = app();
  await a.locator(".nav-settings a").click();
  await a.locator('input[data-field="ns7.port"]').waitFor();
  assert.match(page.url(), /#\/apps\/nethvoice-preflight1\?page=settings$/, "navigation goes through the core's URL");

  const config = await runTask("get-configuration");
  assert.match(config.ssh_public_key, /^ssh-ed25519 /);
  assert.equal(await text(a.locator(".ssh-public-key pre")), config.ssh_public_key);
  const cmd = await text(a.locator(".ssh-authorize-command pre"));
  assert.ok(cmd.includes(`echo '${config.ssh_public_key}' >> ~/.ssh/authorized_keys`), cmd);
  assert.equal(await text(a.locator(".ns7-host-key")), NS7_HOST_KEY);
  await shot("06-settings");

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
  await shot("07-settings-invalid-port");

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
  assert.equal(await text(a.locator(".about-name")), "NethVoice preflight");
  assert.match(await text(a.locator(".about-description")), /^Automatic preflight checks before migrating NethVoice/);
  assert.equal(await text(a.locator(".about-categories")), "Communication", "category name from core.$t");
  assert.equal(await text(a.locator(".about-source code")), "ghcr.io/nethvoice-preflight/nethvoice-preflight");
  assert.ok(await a.locator(".about-logo").evaluate((img) => img.complete && img.naturalWidth >= 128), "logo loads");
  await shot("08-about");
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
  assert.equal(await text(a.locator('.check-row[data-check-id="node.cpu"] .check-title')), "CPU sufficienti");
  assert.equal(await text(a.locator('.check-row[data-check-id="node.cpu"] .status-label')), "Superato");
  assert.match(await text(a.locator(".last-run")), /^Ultima esecuzione .* da admin, in 8,4 s$/);
  assert.match(await text(a.locator(".size-total")), /^Totale 62,4 GiB$/);
  await shot("09-status-italian", it);

  await it.goto(APP_URL + "?page=settings");
  await a.locator('input[data-field="ns7.port"]').waitFor();
  assert.equal(await text(a.locator(".page-title")), "Impostazioni");
  assert.equal(await text(a.locator('.bx--form-item:has(input[data-field="ns7.port"]) label')), "Porta SSH");
  await shot("10-settings-italian", it);
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
  await page.screenshot({ path: path.join(SHOTS, "11-status-run-options-refused.png") });
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
  await runChecksAndWait("12-status-run-in-progress");
  assert.ok(Date.now() - started >= 4000, "the run lasted until the probe's deadline");
  const { report } = await runTask("get-report");
  const ssh = report.checks.find((f) => f.id === "ns7.ssh");
  assert.ok(ssh, "ns7.ssh is in the report");
  const row = a.locator(`.check-row[data-check-id="ns7.ssh"]`);
  assert.equal(await row.getAttribute("data-status"), ssh.status);
  assert.equal(await text(row.locator(".check-message")), ssh.message.replace(/\s+/g, " ").trim());
  assert.equal(await a.locator(".history-table tbody tr").count(), 6, "two runs, the recorded one, the cut one, the recorded one again, this one");
});

test("no uncaught error, console error or outside request in any page", () => {
  assert.deepEqual(problems, []);
});
