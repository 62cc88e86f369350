// Regenerates the matrix in docs/permissions.md from server/src/access/permissions.ts.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderPermissionTable } from "../server/src/access/permissions.ts";

const file = path.join(import.meta.dirname, "../docs/permissions.md");
const begin = "<!-- matrix:begin -->\n";
const end = "<!-- matrix:end -->";
const doc = readFileSync(file, "utf8");
const start = doc.indexOf(begin);
const stop = doc.indexOf(end);
if (start < 0 || stop < 0) throw new Error("docs/permissions.md lacks the matrix markers");
writeFileSync(file, doc.slice(0, start + begin.length) + renderPermissionTable() + doc.slice(stop));
console.log("docs/permissions.md updated");
