/**
 * The signed-in user and what they may do. The server decides (and refuses with FORBIDDEN);
 * the app only hides what would be refused. `me.permissions` is the server's permission matrix
 * for the user's role (docs/permissions.md), so custom roles get exactly their buttons. Without
 * it (an older server) the built-in ladder of SPEC §2 is mirrored: each role includes the one
 * before it, and an unknown role is read-only.
 */
import { createContext, useContext } from "react";
import type { Me } from "../api/session";

export const ROLES = ["viewer", "operator", "technician", "engineer", "manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function atLeast(role: string, minimum: Role): boolean {
  return isRole(role) && ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/** The permissions the screens ask about, with the lowest built-in role that has each. */
const LADDER = {
  "downtimes:operate": "operator",
  "shots:write": "operator",
  "failures:report": "operator",
  "photos:write": "operator",
  "actions:complete_own": "operator",
  "actions:update": "technician",
  "failures:investigate": "technician",
  "actions:assign": "engineer",
  "actions:progress_any": "engineer",
  "actions:verify": "manager",
  "backups:write": "admin",
  "repairs:write": "technician",
  "maintenance:write": "technician",
  "tools:mount": "technician",
  "plant:write": "engineer",
  "tools:write": "engineer",
  "catalog:write": "engineer",
  "checklists:write": "engineer",
  "users:read": "manager",
  "users:write": "admin",
  "settings:write": "admin",
  "plant:read": "viewer",
  "exports:read": "manager",
} as const satisfies Record<string, Role>;
type Permission = keyof typeof LADDER;

export interface UserAccess {
  role: string;
  permissions?: readonly string[] | null;
}

function allows(user: UserAccess, permission: Permission): boolean {
  if (user.permissions) return user.permissions.includes(permission);
  return atLeast(user.role, LADDER[permission]);
}

/** What the screens ask, named by the action rather than the role. */
export function abilities(user: UserAccess) {
  return {
    /** Start and end downtimes, pick their reason. */
    operateDowntimes: allows(user, "downtimes:operate"),
    /** Create, edit and close repairs. */
    writeRepairs: allows(user, "repairs:write"),
    /** Create and edit lines and machines. */
    writePlant: allows(user, "plant:write"),
    /** Register and edit tools, change their status, import the registry from CSV. */
    writeTools: allows(user, "tools:write"),
    /** Mount and unmount tools. */
    mountTools: allows(user, "tools:mount"),
    /** Record shot counts by hand. */
    recordShots: allows(user, "shots:write"),
    /** Start, fill in, complete and sign maintenance logs (inspections). */
    writeMaintenance: allows(user, "maintenance:write"),
    /** Edit downtime reasons (and failure codes). */
    writeCatalog: allows(user, "catalog:write"),
    /** Create and edit checklist templates. */
    writeChecklists: allows(user, "checklists:write"),
    /** See the user list. */
    readUsers: allows(user, "users:read"),
    /** Create users, change roles, deactivate, reset passwords. */
    writeUsers: allows(user, "users:write"),
    /** Integrations (OPC UA sources, inbound events) and settings. */
    writeSettings: allows(user, "settings:write"),
    /** Report a failure. */
    reportFailures: allows(user, "failures:report"),
    /** Investigate failures: containment, root cause, status. */
    investigateFailures: allows(user, "failures:investigate"),
    /** Take photos and draw on them. */
    writePhotos: allows(user, "photos:write"),
    /** Start and complete actions assigned to oneself. */
    completeOwnActions: allows(user, "actions:complete_own"),
    /** Create actions and edit any action's details. */
    updateActions: allows(user, "actions:update"),
    /** Assign actions to anyone. */
    assignActions: allows(user, "actions:assign"),
    /** Start and complete anyone's action. */
    progressAnyActions: allows(user, "actions:progress_any"),
    /** Verify, reopen and cancel actions. */
    verifyActions: allows(user, "actions:verify"),
    /** Read the plant's figures: the analytics pages. */
    readAnalytics: allows(user, "plant:read"),
    /** Download CSV/XLSX exports and request PDF reports. */
    exportAnalytics: allows(user, "exports:read"),
    /** Backups: history and running one. */
    writeBackups: allows(user, "backups:write"),
  };
}
export type Abilities = ReturnType<typeof abilities>;

export const UserContext = createContext<Me | null>(null);

export function useUser(): Me {
  const user = useContext(UserContext);
  if (!user) throw new Error("useUser outside the signed-in shell");
  return user;
}

export function useAbilities(): Abilities {
  return abilities(useUser());
}
