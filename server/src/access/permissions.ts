/**
 * The one permission matrix (SPEC §2). Services ask `can(actor, "users:write")`;
 * nothing else in the code decides who may do what. docs/permissions.md is generated
 * from this file (`renderPermissionTable`) and a test keeps the two identical.
 *
 * Each built-in role includes every permission of the role before it.
 */

export const ROLES = ["viewer", "operator", "technician", "engineer", "manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Permission → what it allows, in the words shown in docs. */
export const PERMISSIONS = {
  "plant:read": "Read lines, machines, repairs, downtimes, tools, shots, plans, logs, failures, actions, photos, KPIs",
  "downtimes:operate": "Start and end downtimes, pick their reason",
  "shots:write": "Record shot counts",
  "failures:report": "Report failures",
  "photos:write": "Upload and annotate photos",
  "actions:complete_own": "Move actions assigned to oneself forward",
  "repairs:write": "Create, edit and close repairs (including cost)",
  "maintenance:write": "Fill in and complete maintenance logs and checklists",
  "tools:mount": "Mount and unmount tools",
  "actions:update": "Edit any action's details (title, description, priority, links)",
  "failures:investigate": "Investigate failure reports: edit, set the root cause, close and reopen",
  "plant:write": "Create and edit lines and machines",
  "tools:write": "Create and edit tools",
  "plans:write": "Create and edit maintenance plans",
  "checklists:write": "Create and edit checklist templates",
  "maintenance:sign_others": "Sign maintenance logs performed by someone else",
  "catalog:write": "Edit failure codes and downtime reasons",
  "downtimes:write": "Edit any downtime",
  "actions:assign": "Assign actions to anyone",
  "actions:progress_any": "Move any action forward, whoever it is assigned to",
  "photos:delete_any": "Delete photos uploaded by someone else",
  "exports:read": "Export lists, run reports",
  "actions:verify": "Verify and cancel actions",
  "records:retire": "Retire lines, machines and tools",
  "users:read": "Read users",
  "audit:read": "Read the audit log",
  "users:write": "Create users, change roles, reset passwords",
  "settings:write": "Change settings and integrations",
  "backups:write": "Run and restore backups",
  "encryption:write": "Rotate the encryption key and follow the rotation",
  "retention:write": "Set retention rules",
  "audit:verify": "Verify the audit hash chain",
} as const;

export type Permission = keyof typeof PERMISSIONS;

/** What each role adds to the one before it. */
const ADDED_BY_ROLE: Record<Role, Permission[]> = {
  viewer: ["plant:read"],
  operator: ["downtimes:operate", "shots:write", "failures:report", "photos:write", "actions:complete_own"],
  technician: ["repairs:write", "maintenance:write", "tools:mount", "actions:update", "failures:investigate"],
  engineer: [
    "plant:write",
    "tools:write",
    "plans:write",
    "checklists:write",
    "maintenance:sign_others",
    "catalog:write",
    "downtimes:write",
    "actions:assign",
    "actions:progress_any",
    "photos:delete_any",
  ],
  manager: ["exports:read", "actions:verify", "records:retire", "users:read", "audit:read"],
  admin: ["users:write", "settings:write", "backups:write", "encryption:write", "retention:write", "audit:verify"],
};

const GRANTS: Record<Role, ReadonlySet<Permission>> = (() => {
  const grants = {} as Record<Role, ReadonlySet<Permission>>;
  const acc: Permission[] = [];
  for (const role of ROLES) {
    acc.push(...ADDED_BY_ROLE[role]);
    grants[role] = new Set(acc);
  }
  return grants;
})();

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(role: string): ReadonlySet<Permission> {
  return isRole(role) ? GRANTS[role] : new Set();
}

export function can(actor: { role: string } | null | undefined, permission: Permission): boolean {
  return actor != null && permissionsOf(actor.role).has(permission);
}

/** The Markdown table in docs/permissions.md. */
export function renderPermissionTable(): string {
  const header = `| permission | what it allows | ${ROLES.join(" | ")} |`;
  const rule = `|---|---|${ROLES.map(() => ":-:").join("|")}|`;
  const rows = (Object.keys(PERMISSIONS) as Permission[]).map(
    (p) => `| \`${p}\` | ${PERMISSIONS[p]} | ${ROLES.map((r) => (GRANTS[r].has(p) ? "✔" : "")).join(" | ")} |`,
  );
  return [header, rule, ...rows].join("\n") + "\n";
}
