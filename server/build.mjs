// Production start runs plain JavaScript: `node server/build.mjs` writes server/dist/, a copy of
// server/src with the TypeScript types stripped and relative `.ts` imports pointing at `.js`.
// Node's own type stripping costs the running server ≈ 60 MB of RSS (its WebAssembly stripper and
// what it keeps per module, docs/benchmarks.md "Session 5"); stripping once here avoids it. Tests
// and `npm run dev` keep running the sources. Types are replaced by spaces, so line and column of
// every stack frame are the same as in server/src.
//
//   node server/build.mjs             build (always)
//   node server/build.mjs --if-stale  build only when server/src changed since the last build
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
export const SOURCE_DIR = path.join(here, "src");
export const DIST_DIR = path.join(here, "dist");
export const DIST_MAIN = path.join(DIST_DIR, "main.js");
const STAMP_NAME = ".source-fingerprint";

/** Relative paths of every file under server/src. */
function sourceFiles(dir = SOURCE_DIR, prefix = "") {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    if (entry.isDirectory()) files.push(...sourceFiles(path.join(dir, entry.name), `${relative}/`));
    else if (entry.isFile()) files.push(relative);
  }
  return files.sort();
}

/** Names, sizes and modification times of the sources: changes when any source does. */
function sourceFingerprint(files = sourceFiles()) {
  const hash = createHash("sha256");
  for (const file of files) {
    const { size, mtimeMs } = statSync(path.join(SOURCE_DIR, file));
    hash.update(`${file}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest("hex");
}

/** Whether server/dist was built from the sources as they are now (a cheap check: ≈ 300 stat calls). */
export function distIsFresh() {
  try {
    return readFileSync(path.join(DIST_DIR, STAMP_NAME), "utf8") === sourceFingerprint();
  } catch {
    return false;
  }
}

// A relative module specifier ending in .ts, in `from "…"`, `import "…"` or `import("…")`.
const RELATIVE_TS_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"'\n]*?)\.ts\2/g;
// Any relative .ts specifier left after the rewrite: a form the rewrite does not know.
const LEFT_OVER = /(["'])\.\.?\/[^"'\n]*?\.ts\1/;

/** Type-stripped JavaScript of one module, its relative imports pointing at the built `.js` files. */
export function toJavaScript(source, file, strip) {
  const code = strip(source, { mode: "strip" }).replace(RELATIVE_TS_IMPORT, "$1$2$3.js$2");
  const left = LEFT_OVER.exec(code);
  if (left) throw new Error(`${file}: cannot rewrite the module specifier ${left[0]}`);
  return code;
}

/** Writes the built server to `outDir` (tests build into a directory of their own). */
export async function build(outDir = DIST_DIR) {
  // Loaded here only: the stripper is what the built server should not carry.
  const { stripTypeScriptTypes } = await import("node:module");
  const files = sourceFiles();
  const fingerprint = sourceFingerprint(files);
  rmSync(outDir, { recursive: true, force: true });
  for (const file of files) {
    const from = path.join(SOURCE_DIR, file);
    if (file.endsWith(".d.ts")) continue; // declarations for the type checker only
    const isModule = file.endsWith(".ts");
    const to = path.join(outDir, isModule ? file.replace(/\.ts$/, ".js") : file);
    mkdirSync(path.dirname(to), { recursive: true });
    if (isModule) writeFileSync(to, toJavaScript(readFileSync(from, "utf8"), file, stripTypeScriptTypes));
    else copyFileSync(from, to);
  }
  writeFileSync(path.join(outDir, STAMP_NAME), fingerprint);
  return files.length;
}

if (import.meta.main) {
  if (process.argv.includes("--if-stale") && distIsFresh()) process.exit(0);
  const started = performance.now();
  // stripTypeScriptTypes is experimental in Node 24: its warning says nothing a build log needs.
  process.removeAllListeners("warning");
  const count = await build();
  console.log(`server/dist: ${count} files in ${Math.round(performance.now() - started)} ms`);
}
