#!/usr/bin/env node
// The `hom` command. HOM runs on Node 24; when started by an older node, hand over to the
// project's pinned Node 24 from node_modules. It runs the built JavaScript (server/dist, see
// server/build.mjs) when that was built from the sources as they are, else the TypeScript sources.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DIST_MAIN, distIsFresh } from "../build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const main = distIsFresh() ? DIST_MAIN : path.join(here, "../src/main.ts");
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
  const { main: run } = await import(main);
  const code = await run(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} else {
  const candidates = [path.join(here, "../../node_modules/.bin/node"), path.join(here, "../node_modules/.bin/node")];
  const node24 = candidates.find((c) => existsSync(c));
  if (!node24) {
    console.error(`hom needs Node 24 (found ${process.versions.node}); run npm install first.`);
    process.exit(1);
  }
  const result = spawnSync(node24, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
