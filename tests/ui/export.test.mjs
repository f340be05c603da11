// Unit tests of the report export (ui/src/lib/export.js): Markdown escaping
// of text that comes from the module or from NS7, and the whole report of
// a recorded-like run against a golden file. Pure logic: no browser; run by
// ui_test.go (TestExportMarkdown) with node --test. UPDATE=1 rewrites the
// golden file.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { mdText, mdCode, mdFence, reportMarkdown, exportFileName } from "../../ui/src/lib/export.js";
import { rowsFor, groupRows } from "../../ui/src/lib/checklist.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const en = JSON.parse(fs.readFileSync(path.join(here, "../../ui/public/i18n/en/translation.json"), "utf8"));

// t is vue-i18n's $t for the strings the export uses: nested keys,
// {name} parameters.
function t(key, params = {}) {
  const msg = key.split(".").reduce((o, k) => (o ? o[k] : undefined), en);
  assert.equal(typeof msg, "string", `no English string ${key}`);
  return msg.replace(/\{(\w+)\}/g, (_, k) => String(params[k]));
}

test("mdText: markup from the module or NS7 stays text", () => {
  const cases = [
    ["plain text, with dots. and (parentheses)", "plain text, with dots. and (parentheses)"],
    ["*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"],
    ["[link](http://x) ![img](y)", "\\[link\\](http://x) !\\[img\\](y)"],
    ["<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"],
    ["a | b ~~c~~ #tag \\ back", "a \\| b \\~\\~c\\~\\~ \\#tag \\\\ back"],
    ["- not a list", "\\- not a list"],
    ["+ not a list", "\\+ not a list"],
    ["12. not a list", "12\\. not a list"],
    ["3) not a list", "3\\) not a list"],
    ["=== not a heading", "\\=== not a heading"],
    ["line one\nline two\r\nthree", "line one line two three"],
    ["R&D &amp; &#60;", "R&D \\&amp; &\\#60;"],
    [undefined, ""],
    [42, "42"],
  ];
  for (const [input, want] of cases) {
    assert.equal(mdText(input), want, JSON.stringify(input));
  }
});

test("mdCode and mdFence hold any backticks", () => {
  assert.equal(mdCode("ns7.ssh"), "`ns7.ssh`");
  assert.equal(mdCode("a`b"), "``a`b``");
  assert.equal(mdCode("`x"), "`` `x ``");
  assert.equal(mdFence(["yum -y update"], "sh"), "```sh\nyum -y update\n```");
  assert.equal(mdFence(["echo ```", "x"], "sh"), "````sh\necho ```\nx\n````");
});

test("exportFileName: instance and day of the run, nothing a file system dislikes", () => {
  assert.equal(
    exportFileName("nethvoice-preflight1", { started_at: "2026-11-25T00:14:13Z" }),
    "nethvoice-preflight-nethvoice-preflight1-2026-11-25.md"
  );
  assert.equal(exportFileName("../x y", null), "nethvoice-preflight-___x_y.md");
});

// A small run: a blocker, a warning with a hostile message, a skip, an
// ignored failure, two manual items (one ticked), passes in two groups.
const catalogue = [
  { id: "fqdn.points-to-node", area: "dns", title: "FQDN points to this node" },
  { id: "fqdn.ttl", area: "dns", title: "TTL low enough for the cutover" },
  { id: "node.cpu", area: "system", title: "Enough CPU" },
  { id: "node.ram", area: "system", title: "Enough memory" },
  { id: "ns7.vpn-udp", area: "network", title: "VPN traffic gets through" },
  { id: "ns7.gateways", area: "data", title: "Gateways kept by NS8" },
  { id: "manual.backup", area: "documentation", title: "Backup restore tested" },
  { id: "manual.rollback-plan", area: "schedule", title: "Rollback plan" },
];
const report = {
  run_id: "d45bc652-340d-4d51-8d54-e8383fefbb35",
  started_at: "2026-11-25T00:14:13Z",
  duration_ms: 8400,
  ready: false,
  summary: { pass: 2, warn: 2, fail: 1, skip: 1, ignored: 1 },
  checks: [
    {
      id: "fqdn.points-to-node",
      subject: "cti.example.test",
      status: "fail",
      blocking: true,
      message: "cti.example.test resolves to 203.0.113.7; this node answers on 198.51.100.10",
      remediation: {
        hint: "Change the A record of cti.example.test to 198.51.100.10",
        commands: ["dig +short cti.example.test A"],
        doc: "docs/checks.md#fqdn-points-to-node",
      },
    },
    {
      id: "fqdn.ttl",
      subject: "voice.example.test",
      status: "warn",
      message: "- TTL *86400* s | <b>a day</b>",
      remediation: { hint: "Lower the TTL to 300 s", commands: ["dig +noall +answer voice.example.test A", "echo ```"] },
    },
    { id: "node.cpu", subject: "node 1", status: "pass", message: "8 CPU cores" },
    { id: "node.ram", subject: "node 1", status: "pass", message: "16 GiB" },
    { id: "ns7.vpn-udp", subject: "root@ns7:22", status: "skip", message: "UDP 55820 cannot be proven open before the join" },
    {
      id: "ns7.gateways",
      subject: "root@ns7:22",
      status: "fail",
      ignored: true,
      ignore_reason: "gw-lobby is replaced",
      message: "gateway gw-lobby is unsupported",
      remediation: { hint: "Write down its configuration" },
    },
    { id: "manual.backup", subject: "", status: "warn", message: "not confirmed" },
    { id: "manual.rollback-plan", subject: "", status: "warn", message: "not confirmed" },
  ],
  changes: [{ id: "fqdn.ttl", subject: "voice.example.test", from: "pass", to: "warn" }],
};
const checklist = { backup: { done: true, note: "on the NAS | by *Anna*", by: "admin", at: "2026-11-24T10:00:00Z" } };

function markdown() {
  const rows = rowsFor(report, catalogue, checklist);
  const titles = Object.fromEntries(catalogue.map((c) => [c.id, c.title]));
  return reportMarkdown({
    report,
    rows,
    groups: groupRows(rows),
    t,
    appName: "NethVoice Preflight",
    instance: "nethvoice-preflight1",
    instanceLabel: "PBX migration check",
    node: "Node 1 (leader)",
    author: "admin",
    codeUrl: "https://github.com/nethvoice-preflight/ns8-nethvoice-preflight",
    exportedAt: "2026-11-25T09:00:00Z",
    formatDateTime: (iso) => iso.replace("T", " ").replace(/:\d\dZ$/, " UTC"),
    formatDuration: (ms) => ms / 1000 + " s",
    titleOf: (id) => titles[id] || id,
    checkTitle: (row) => titles[row.id] || row.title || row.id,
  });
}

test("reportMarkdown: the whole report (golden file)", () => {
  const got = markdown();
  const golden = path.join(here, "testdata", "export.golden.md");
  if (process.env.UPDATE) {
    fs.writeFileSync(golden, got);
  }
  assert.equal(got, fs.readFileSync(golden, "utf8"));
});

test("reportMarkdown: blockers first, every finding once, the ticked item with its note", () => {
  const md = markdown();
  const headings = md.split("\n").filter((l) => l.startsWith("## "));
  assert.deepEqual(headings, [
    "## What blocks the migration (1)",
    "## Warnings (1)",
    "## Not checked (1)",
    "## Ignored (1)",
    "## Manual checklist",
    "## Passed",
    "## What changed since the previous run",
  ]);
  for (const id of ["fqdn.points-to-node", "fqdn.ttl", "ns7.vpn-udp", "ns7.gateways"]) {
    assert.equal(md.split("`" + id + "` · ").length, 2, `${id} once`);
  }
  assert.ok(md.includes("\\- TTL \\*86400\\* s \\| \\<b\\>a day\\</b\\>"), "the hostile message is escaped");
  assert.ok(md.includes("````sh\ndig +noall +answer voice.example.test A\necho ```\n````"), "commands fenced");
  assert.ok(
    md.includes("Documentation: <https://github.com/nethvoice-preflight/ns8-nethvoice-preflight/blob/main/docs/checks.md#fqdn-points-to-node>")
  );
  assert.ok(md.includes("| Backup restore tested | Passed | admin, 2026-11-24 10:00 UTC | on the NAS \\| by \\*Anna\\* |"));
  assert.ok(md.includes("| Rollback plan | Warning |  |  |"));
  assert.ok(md.includes("- Enough CPU · node 1: 8 CPU cores"));
});
