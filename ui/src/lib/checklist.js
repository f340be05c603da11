// Pure helpers that turn the module's action outputs (run-preflight /
// get-report reports, the list-checks catalogue, the stored checklist) into
// what the Status page shows. No Vue here: everything is plain data in,
// plain data out, so the rules live in one place.

// The official prerequisites page groups its checklist under these headings
// (the "areas" of package check); the page shows them in this order. Each
// check says its area in the list-checks catalogue, the one place where
// checks are declared; ids the catalogue does not know (a report of a newer
// version, a catalogue that could not be read) go to "other", so the page
// renders any report.
export const GROUPS = ["system", "network", "dns", "account", "data", "schedule", "documentation"];

export const OTHER_GROUP = "other";

// groupOf returns the key of the group of a catalogue entry (or of none).
export function groupOf(entry) {
  if (entry && GROUPS.includes(entry.area)) {
    return entry.area;
  }
  return OTHER_GROUP;
}

export const MANUAL_PREFIX = "manual.";

// preflight.* findings are about the run itself (a part that did not run, a
// check that broke), not checks to list before the first run.
export function isAboutTheRun(id) {
  return String(id).startsWith("preflight.");
}

export function isManual(id) {
  return id.startsWith(MANUAL_PREFIX);
}

// manualItem is the set-checklist item of a manual finding id.
export function manualItem(id) {
  return isManual(id) ? id.slice(MANUAL_PREFIX.length) : "";
}

// statusOf is what a row shows: the finding's status, "ignored" for a
// failure on the ignore list, "none" for a check that has not run.
export function statusOf(finding) {
  if (!finding || !finding.status) {
    return "none";
  }
  if (finding.ignored) {
    return "ignored";
  }
  return finding.status;
}

// whatOf is what a catalogue entry verifies, without the note for
// shell users that manual items carry.
function whatOf(c) {
  return String(c.verifies || "").replace(/\s*\(ticked by a person with set-checklist\)\s*$/, "");
}

// rowsFor builds the rows of the page.
//
// With a report: one row per finding, in the report's (deterministic) order.
// Without one: one row per catalogue entry, status "none", so that the
// administrator sees what will be checked and can tick manual items before
// the first run.
//
// Manual items follow the stored checklist rather than the report: a tick
// given after the last run shows at once (the report catches up at the next
// run). A manual finding the report skipped (no cluster database) stays
// skipped.
export function rowsFor(report, catalogue, checklist) {
  const cat = {};
  for (const c of catalogue || []) {
    cat[c.id] = c;
  }
  let rows;
  if (report && Array.isArray(report.checks)) {
    rows = report.checks.map((f) =>
      Object.assign({}, f, {
        title: f.title || (cat[f.id] && cat[f.id].title) || f.id,
        what: cat[f.id] ? whatOf(cat[f.id]) : "",
      })
    );
  } else {
    rows = (catalogue || [])
      .filter((c) => !isAboutTheRun(c.id))
      .map((c) => ({ id: c.id, subject: "", title: c.title, message: whatOf(c), what: whatOf(c), status: "" }));
  }
  return rows.map((r, i) => {
    const row = Object.assign({}, r, {
      key: r.id + "|" + (r.subject || "") + "|" + i,
      group: groupOf(cat[r.id]),
      manual: isManual(r.id),
    });
    row.displayStatus = statusOf(r);
    if (row.manual) {
      const entry = (checklist || {})[manualItem(r.id)];
      row.entry = entry || null;
      if (row.displayStatus !== "skip") {
        row.displayStatus = entry && entry.done ? "pass" : report ? "warn" : "none";
      }
      row.changedSinceRun = !!report && statusOf(r) !== "skip" && statusOf(r) !== row.displayStatus;
    }
    return row;
  });
}

const STATUS_ORDER = ["fail", "warn", "ignored", "skip", "pass", "none"];

// groupRows puts rows in the official groups (empty groups left out),
// with per-group counts and the worst status, which colours the heading.
export function groupRows(rows) {
  const keys = GROUPS.concat([OTHER_GROUP]);
  const out = [];
  for (const key of keys) {
    const items = rows.filter((r) => r.group === key);
    if (!items.length) {
      continue;
    }
    const counts = countStatuses(items);
    const worst = STATUS_ORDER.find((s) => counts[s] > 0) || "none";
    out.push({ key, rows: items, counts, worst });
  }
  return out;
}

export function countStatuses(rows) {
  const counts = { pass: 0, warn: 0, fail: 0, skip: 0, ignored: 0, none: 0 };
  for (const r of rows) {
    counts[r.displayStatus] = (counts[r.displayStatus] || 0) + 1;
  }
  return counts;
}

// isFolded says whether the page folds a row away by default: a pass
// (unless a tick given after the run made it one: it stays in sight until
// the report catches up), or an automatic check that has not run yet.
// Manual items not yet ticked, failures, warnings, skips (a check that
// could not be made is something to look at) and ignored findings stay
// open.
export function isFolded(row) {
  if (row.displayStatus === "pass") {
    return !row.changedSinceRun;
  }
  return row.displayStatus === "none" && !row.manual;
}

// splitFolded adds to a group of groupRows its open rows and its folded
// rows, each in the report's order.
export function splitFolded(group) {
  return Object.assign({}, group, {
    open: group.rows.filter((r) => !isFolded(r)),
    folded: group.rows.filter(isFolded),
  });
}

// blockingRows are the rows that keep the verdict "not ready": the
// report's blocking findings (an ignored failure is never blocking).
export function blockingRows(rows) {
  return rows.filter((r) => r.blocking && !r.ignored);
}

// isOpen says whether a row is "left to do": what the "only what is left"
// filter keeps.
export function isOpen(row) {
  return ["fail", "warn", "none"].includes(row.displayStatus);
}

// blockingCount is the number of findings that keep the verdict "not ready".
export function blockingCount(report) {
  return report && Array.isArray(report.checks) ? report.checks.filter((f) => f.blocking).length : 0;
}

// runAuthor finds who started a run in the history (the report itself does
// not name the user; the history summary does).
export function runAuthor(report, history) {
  if (!report) {
    return "";
  }
  const h = (history || []).find((x) => x.run_id === report.run_id);
  return h ? h.user : "";
}

function findFinding(report, id) {
  return report && Array.isArray(report.checks) ? report.checks.find((f) => f.id === id) : undefined;
}

function probeFacts(report) {
  const facts = (report && report.facts) || {};
  // run-preflight keeps each part's facts under its action name; a
  // probe-ns7 report has them at the top. The probe's own facts about NS7
  // are under "ns7".
  const pf = facts["probe-ns7"] || (report && report.action === "probe-ns7" ? facts : {});
  return (pf && pf.ns7) || {};
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function numericEntries(obj, kind) {
  if (!isPlainObject(obj)) {
    return [];
  }
  return Object.keys(obj)
    .filter((k) => typeof obj[k] === "number")
    .map((k) => ({ category: k, bytes: obj[k], kind }));
}

// ns7DataSizes returns what probe-ns7 measured on NS7, biggest first:
// bytes per file category (recordings, voicemail, ...) and per database,
// and the total; null when no probe has measured them. The shape is
// probe-ns7's DataSizes ({categories, databases, total_bytes, complete,
// partial, unmeasured, at_most_bytes}), found in the ns7.data-size
// finding's data or in the probe's facts (ns7.data). A measurement that
// could not complete is never shown as if it were all: a category cut
// short is "at least", one not measured is listed as unknown, and the
// total is "at least" (with its upper bound when one is known).
export function ns7DataSizes(report) {
  const f = findFinding(report, "ns7.data-size");
  const candidates = [f && f.data, probeFacts(report).data];
  for (const d of candidates) {
    if (!isPlainObject(d)) {
      continue;
    }
    const partial = numericEntries(d.partial, "files").map((e) => Object.assign(e, { atLeast: true }));
    const entries = numericEntries(d.categories, "files").concat(partial, numericEntries(d.databases, "database"));
    const unmeasured = isPlainObject(d.unmeasured)
      ? Object.keys(d.unmeasured).filter((k) => !partial.some((e) => e.category === k))
      : [];
    if (!entries.length && !unmeasured.length) {
      continue;
    }
    entries.sort((a, b) => b.bytes - a.bytes || a.category.localeCompare(b.category));
    const sum = entries.reduce((s, e) => s + e.bytes, 0);
    // Older reports have no "complete": they were judged complete.
    const complete = d.complete !== false && !unmeasured.length && !partial.length;
    return {
      entries,
      unmeasured: unmeasured.sort(),
      complete,
      atMost: !complete && typeof d.at_most_bytes === "number" && d.at_most_bytes > 0 ? d.at_most_bytes : null,
      total: typeof d.total_bytes === "number" && d.total_bytes > 0 ? d.total_bytes : sum,
    };
  }
  return null;
}

// webpack 4 (vue-cli 4.5) parses ES2019 only: no "??" or "?." in this code.
function firstDefined(...vals) {
  return vals.find((v) => v !== undefined && v !== null);
}

function str(v) {
  return v === undefined || v === null ? "" : String(v);
}

// ns7Extensions returns the NS7 extension list [{number, name}] from the
// probe's facts (ns7.extensions), null when no probe has listed it.
export function ns7Extensions(report) {
  const f = findFinding(report, "ns7.extensions");
  const candidates = [probeFacts(report).extensions, f && f.data && f.data.extensions];
  for (const c of candidates) {
    if (Array.isArray(c)) {
      return c
        .map((x) => {
          if (Array.isArray(x)) {
            return { number: str(x[0]), name: str(x[1]) };
          }
          if (isPlainObject(x)) {
            return { number: str(firstDefined(x.number, x.extension)), name: str(x.name) };
          }
          return { number: str(x), name: "" };
        })
        .filter((x) => x.number !== "");
    }
  }
  return null;
}

// csvField quotes a field as RFC 4180 says; a leading = + - @ is escaped
// so a spreadsheet does not run a name as a formula.
function csvField(s) {
  let v = String(s);
  if (/^[=+\-@\t\r]/.test(v)) {
    v = "'" + v;
  }
  return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
}

export function extensionsCsv(list) {
  const lines = ["extension,name"];
  for (const e of list) {
    lines.push(csvField(e.number) + "," + csvField(e.name));
  }
  return lines.join("\r\n") + "\r\n";
}

// formatBytes prints a byte count with binary units.
export function formatBytes(n, locale) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v) + " " + units[i];
}

export function formatDateTime(iso, locale) {
  if (!iso) {
    return "";
  }
  const d = new Date(iso);
  if (isNaN(d.getTime())) {
    return iso;
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

export function formatDuration(ms, locale) {
  const s = (Number(ms) || 0) / 1000;
  const digits = s < 1 ? 2 : s < 10 ? 1 : 0;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(s) + " s";
}

// docUrl is the link of a finding's doc reference: an absolute https
// address as the binary gives it, or (reports stored by older versions)
// a repository path ("docs/checks.md#node-cpu") under the code repository.
export function docUrl(doc, codeUrl) {
  if (typeof doc === "string" && /^https:\/\/[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$/.test(doc)) {
    return doc;
  }
  if (!doc || !codeUrl || !/^docs\/[A-Za-z0-9._/-]+(#[A-Za-z0-9._-]+)?$/.test(doc)) {
    return "";
  }
  return codeUrl.replace(/\/+$/, "") + "/blob/main/" + doc;
}

// i18nKey makes a check id usable as a vue-i18n key (dots are path
// separators there).
export function i18nKey(id) {
  return String(id).replace(/\./g, "_");
}
