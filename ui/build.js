#!/usr/bin/env node
// Builds ui/dist with vue-cli-service (webpack 4).
//
// webpack 4 hashes with MD4, which OpenSSL 3 (Node >= 17) only offers
// through its legacy provider: without --openssl-legacy-provider the build
// dies with ERR_OSSL_EVP_UNSUPPORTED. The flag is added here, only where
// this Node accepts it, so that `npm run build` works on any Node >= 14.
"use strict";

const { spawnSync } = require("child_process");
const path = require("path");

const flag = "--openssl-legacy-provider";
const env = Object.assign({}, process.env);
if (process.allowedNodeEnvironmentFlags.has(flag) && !(env.NODE_OPTIONS || "").includes(flag)) {
  env.NODE_OPTIONS = ((env.NODE_OPTIONS || "") + " " + flag).trim();
}
const cli = require.resolve("@vue/cli-service/bin/vue-cli-service.js", { paths: [__dirname] });
const res = spawnSync(process.execPath, [cli, "build", ...process.argv.slice(2)], {
  cwd: __dirname,
  env,
  stdio: "inherit",
});
if (res.error) {
  console.error("build.js: " + res.error.message);
  process.exit(1);
}
process.exit(res.status === null ? 1 : res.status);
