// The report a partner hands to the customer, as Markdown (CommonMark):
// what blocks the migration with its remedies first, then warnings,
// checks that could not be made, ignored findings with their reasons, the
// manual checklist with who confirmed what, what passed, and what changed
// since the previous run. Plain data in, text out: no Vue, no DOM (the
// node unit tests in tests/ui import this file).
//
// Imports name their file: Node's ES modules need the extension, webpack
// takes it too.
import { docUrl } from "./checklist.js";

// mdText makes text from the module or from NS7 (titles, messages,
// subjects, notes) inert in Markdown: every character that could start
// markup is backslash-escaped (CommonMark allows it before any ASCII
// punctuation), a line break becomes a space, and a start that would
// make a list item ("- ", "+ ", "1. ", "1) ") or a setext underline, and
// an "&" that would start an entity, are escaped too.
export function mdText(s) {
  const flat = String(s === undefined || s === null ? "" : s)
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/[\\`*_[\]<>|~#]/g, "\\$&")
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, "\\&");
  return flat.replace(/^(\s*)([-+=])/, "$1\\$2").replace(/^(\s*\d+)([.)])/, "$1\\$2");
}

// mdCode is an inline code span that holds s whatever backticks it has.
export function mdCode(s) {
  const text = String(s).replace(/\r\n|\r|\n/g, " ");
  const longest = Math.max(0, ...(text.match(/`+/g) || []).map((r) => r.length));
  const ticks = "`".repeat(longest + 1);
  const pad = /^`|`$/.test(text) ? " " : "";
  return ticks + pad + text + pad + ticks;
}

// mdFence is a fenced code block of lines, its fence longer than any run
// of backticks in them.
export function mdFence(lines, info) {
  const text = lines.join("\n");
  const longest = Math.max(0, ...(text.match(/`+/g) || []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return fence + (info || "") + "\n" + text + "\n" + fence;
}

function heading(level, text) {
  return "#".repeat(level) + " " + text;
}

// finding writes one row: its heading, status, message, remedy with its
// commands and documentation link, and the ignore reason.
function finding(row, o) {
  const out = [];
  const subject = row.subject && !row.manual ? " · " + mdText(row.subject) : "";
  out.push(heading(3, mdText(o.checkTitle(row)) + subject));
  out.push(mdCode(row.id) + " · " + o.t("status_label." + row.displayStatus));
  if (row.message) {
    out.push(mdText(row.message));
  }
  if (row.ignored) {
    out.push(mdText(o.t("status.ignored_because", { reason: row.ignore_reason || o.t("status.no_reason") })));
  }
  const r = row.remediation;
  if (r && r.hint && !row.manual) {
    out.push("**" + o.t("export.remedy") + ":** " + mdText(r.hint));
    if (r.commands && r.commands.length) {
      out.push(mdFence(r.commands, "sh"));
    }
    const url = docUrl(r.doc, o.codeUrl);
    if (url) {
      out.push(o.t("status.documentation") + ": <" + url + ">");
    }
  }
  return out.join("\n\n");
}

function section(title, rows, o) {
  if (!rows.length) {
    return [];
  }
  return [heading(2, title + " (" + rows.length + ")")].concat(rows.map((r) => finding(r, o)));
}

function header(o) {
  const rep = o.report;
  const name = o.instanceLabel ? mdText(o.instanceLabel) + " (" + mdCode(o.instance) + ")" : mdCode(o.instance);
  const verdict = rep.ready ? o.t("status.verdict_ready") : o.t("status.verdict_not_ready");
  const counts = ["pass", "warn", "fail", "skip", "ignored"]
    .map((s) => o.t("count_label." + s) + " " + (rep.summary ? rep.summary[s] || 0 : 0))
    .join(", ");
  const by = o.author ? "_by" : "";
  const lines = [
    heading(1, mdText(o.appName) + ": " + (o.instanceLabel ? mdText(o.instanceLabel) : mdText(o.instance))),
    "- **" + o.t("export.instance") + ":** " + name,
  ];
  if (o.node) {
    lines.push("- **" + o.t("export.node") + ":** " + mdText(o.node));
  }
  lines.push(
    "- **" +
      o.t("export.run") +
      ":** " +
      mdText(
        o.t("export.run_value" + by, {
          when: o.formatDateTime(rep.started_at),
          by: o.author,
          duration: o.formatDuration(rep.duration_ms),
        })
      ) +
      " (" +
      mdCode(rep.run_id) +
      ")",
    "- **" + o.t("export.verdict") + ":** **" + verdict + "**",
    "- **" + o.t("export.summary") + ":** " + counts
  );
  if (o.exportedAt) {
    lines.push("- **" + o.t("export.exported") + ":** " + mdText(o.formatDateTime(o.exportedAt)));
  }
  return lines.join("\n");
}

function manualTable(rows, o) {
  if (!rows.length) {
    return [];
  }
  const lines = [
    "| " + [o.t("export.item"), o.t("export.status"), o.t("export.confirmed"), o.t("export.note")].join(" | ") + " |",
    "|---|---|---|---|",
  ];
  for (const r of rows) {
    const e = r.entry || {};
    const who = e.at ? mdText((e.by || o.t("status.history_cli")) + ", " + o.formatDateTime(e.at)) : "";
    lines.push(
      "| " +
        [mdText(o.checkTitle(r)), o.t("status_label." + r.displayStatus), who, mdText(e.note || "")].join(" | ") +
        " |"
    );
  }
  return [heading(2, o.t("export.manual")), lines.join("\n")];
}

function passedList(groups, o) {
  const out = [];
  for (const g of groups) {
    const passed = g.rows.filter((r) => r.displayStatus === "pass" && !r.manual);
    if (!passed.length) {
      continue;
    }
    out.push(heading(3, o.t("group." + g.key)));
    out.push(
      passed
        .map((r) => {
          const subject = r.subject ? " · " + mdText(r.subject) : "";
          return "- " + mdText(o.checkTitle(r)) + subject + (r.message ? ": " + mdText(r.message) : "");
        })
        .join("\n")
    );
  }
  return out.length ? [heading(2, o.t("export.passed"))].concat(out) : [];
}

function changesList(report, o) {
  if (!report.changes || !report.changes.length) {
    return [];
  }
  const items = report.changes.map((c) => {
    const subject = c.subject ? " · " + mdText(c.subject) : "";
    return (
      "- " +
      mdText(o.titleOf(c.id)) +
      subject +
      ": " +
      o.t("status_label." + (c.from || "none")) +
      " → " +
      o.t("status_label." + (c.to || "gone"))
    );
  });
  return [heading(2, o.t("status.changes_title")), items.join("\n")];
}

// reportMarkdown writes the report. o holds:
//   report            the run (get-report's report)
//   rows, groups      the page's rows (checklist.rowsFor) and groups
//                     (checklist.groupRows): manual items as the stored
//                     checklist has them
//   t(key, params)    the page's translations
//   appName, instance, instanceLabel, node, author, codeUrl, exportedAt
//   formatDateTime(iso), formatDuration(ms)
//   titleOf(id), checkTitle(row)   translated titles
export function reportMarkdown(o) {
  const rows = o.rows || [];
  const blocking = rows.filter((r) => r.blocking && !r.ignored);
  const others = rows.filter((r) => !(r.blocking && !r.ignored) && !r.manual);
  const parts = [header(o)]
    .concat(section(o.t("export.blockers"), blocking, o))
    .concat(section(o.t("export.warnings"), others.filter((r) => r.displayStatus === "warn" || r.displayStatus === "fail"), o))
    .concat(section(o.t("export.skipped"), others.filter((r) => r.displayStatus === "skip"), o))
    .concat(section(o.t("export.ignored"), others.filter((r) => r.displayStatus === "ignored"), o))
    .concat(manualTable(rows.filter((r) => r.manual), o))
    .concat(passedList(o.groups || [], o))
    .concat(changesList(o.report, o));
  return parts.join("\n\n") + "\n";
}

// exportFileName is nethvoice-preflight-<instance>-<day of the run>.md.
export function exportFileName(instance, report) {
  const day = report && report.started_at ? String(report.started_at).slice(0, 10) : "";
  const safe = String(instance || "instance").replace(/[^A-Za-z0-9_-]/g, "_");
  return "nethvoice-preflight-" + safe + (day ? "-" + day : "") + ".md";
}
