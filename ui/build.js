#!/usr/bin/env node
// Placeholder UI build: copies ui/public/ into a fresh ui/dist/.
// No npm dependencies; the real Vue build replaces this script later.
"use strict";

const fs = require("fs");
const path = require("path");

const src = path.join(__dirname, "public");
const dist = path.join(__dirname, "dist");

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyTree(a, b);
    } else if (entry.isFile()) {
      fs.copyFileSync(a, b);
    }
    // symlinks and special files are not part of the UI: skipped
  }
}

if (!fs.existsSync(path.join(src, "index.html"))) {
  console.error("build.js: " + src + "/index.html is missing");
  process.exit(1);
}
fs.rmSync(dist, { recursive: true, force: true });
copyTree(src, dist);

// Fail early on malformed JSON: the cluster reads these files as they are.
const jsonFiles = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith(".json")) jsonFiles.push(p);
  }
})(dist);
for (const f of jsonFiles) {
  try {
    JSON.parse(fs.readFileSync(f, "utf8"));
  } catch (err) {
    console.error("build.js: " + path.relative(__dirname, f) + ": " + err.message);
    process.exit(1);
  }
}
console.log("build.js: ui/public copied to ui/dist (" + jsonFiles.length + " JSON files checked)");
