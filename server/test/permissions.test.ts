import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import {
  PERMISSIONS,
  ROLES,
  can,
  permissionsOf,
  renderPermissionTable,
  type Permission,
} from "../src/access/permissions.ts";
import { REPO_ROOT } from "./helpers.ts";

describe("permission matrix", () => {
  test("each role includes every permission of the role before it", () => {
    for (let i = 1; i < ROLES.length; i++) {
      const lower = permissionsOf(ROLES[i - 1]);
      const higher = permissionsOf(ROLES[i]);
      for (const p of lower) assert.ok(higher.has(p), `${ROLES[i]} lacks ${p}`);
      assert.ok(higher.size > lower.size, `${ROLES[i]} adds nothing`);
    }
    assert.equal(permissionsOf("admin").size, Object.keys(PERMISSIONS).length);
  });

  test("SPEC §2 examples", () => {
    const as = (role: string) => ({ role });
    const cases: [string, Permission, boolean][] = [
      ["viewer", "plant:read", true],
      ["viewer", "users:read", false],
      ["viewer", "audit:read", false],
      ["operator", "downtimes:operate", true],
      ["operator", "repairs:write", false],
      ["technician", "tools:mount", true],
      ["technician", "tools:write", false],
      ["engineer", "catalog:write", true],
      ["engineer", "actions:verify", false],
      ["manager", "audit:read", true],
      ["manager", "users:write", false],
      ["admin", "audit:verify", true],
      ["nobody", "plant:read", false],
    ];
    for (const [role, permission, expected] of cases)
      assert.equal(can(as(role), permission), expected, `${role} ${permission}`);
    assert.equal(can(null, "plant:read"), false);
  });

  test("docs/permissions.md shows exactly this matrix", () => {
    // Compare cell by cell: Prettier pads Markdown tables, which changes nothing they say.
    const cells = (markdown: string) =>
      markdown
        .split("\n")
        .filter((line) => line.startsWith("|"))
        .map((line) => line.split("|").map((cell) => cell.trim().replace(/^:?-+:?$/, "-")));
    const doc = readFileSync(path.join(REPO_ROOT, "docs/permissions.md"), "utf8");
    assert.deepEqual(
      cells(doc),
      cells(renderPermissionTable()),
      "docs/permissions.md is stale: run `npm run docs:permissions`",
    );
  });
});
