/**
 * The signed-in user and what their role lets them do. The server decides (and refuses with
 * FORBIDDEN); the app only hides what would be refused. `me` tells the role, not the
 * permissions, so the built-in ladder of SPEC §2 is mirrored here: each role includes the one
 * before it. An unknown (custom) role is treated as read-only.
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

/** What the screens ask, named by the action rather than the role. */
export function abilities(role: string) {
  return {
    /** Start and end downtimes, pick their reason. */
    operateDowntimes: atLeast(role, "operator"),
    /** Create, edit and close repairs. */
    writeRepairs: atLeast(role, "technician"),
    /** Create and edit lines and machines. */
    writePlant: atLeast(role, "engineer"),
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
  return abilities(useUser().role);
}
