import type { Permission } from "../../access/permissions.ts";
import type { Queryable } from "../../db/index.ts";
import { actionsRepo } from "../actions/repo.ts";
import { downtimesRepo } from "../downtimes/repo.ts";
import { failureReportsRepo } from "../failures/repo.ts";
import { maintenanceLogsRepo } from "../maintenance/repo.ts";
import { machinesRepo } from "../plant/repo.ts";
import { repairsRepo } from "../repairs/repo.ts";
import { toolsRepo } from "../tools/repo.ts";

/** The kinds of record a photo can belong to (SPEC §10). */
export const PHOTO_ENTITY_TYPES = [
  "tool",
  "machine",
  "repair",
  "downtime",
  "failure_report",
  "maintenance_log",
  "action",
] as const;
export type PhotoEntityType = (typeof PHOTO_ENTITY_TYPES)[number];

export interface PhotoEntityKind {
  /** Who may read the record, and so its photos. */
  readPermission: Permission;
  /** Whether a record of this kind with this id exists (and is not deleted). */
  exists(db: Queryable, id: string): Promise<boolean>;
}

/** How to find each kind of record. */
export const photoEntities: Record<PhotoEntityType, PhotoEntityKind> = {
  tool: { readPermission: "plant:read", exists: async (db, id) => Boolean(await toolsRepo.findById(db, id)) },
  machine: { readPermission: "plant:read", exists: async (db, id) => Boolean(await machinesRepo.findById(db, id)) },
  repair: { readPermission: "plant:read", exists: async (db, id) => Boolean(await repairsRepo.findById(db, id)) },
  downtime: {
    readPermission: "plant:read",
    exists: async (db, id) => {
      const downtime = await downtimesRepo.findById(db, id);
      return Boolean(downtime && downtime.deleted_at === null);
    },
  },
  maintenance_log: {
    readPermission: "plant:read",
    exists: async (db, id) => Boolean(await maintenanceLogsRepo.findById(db, id)),
  },
  failure_report: {
    readPermission: "plant:read",
    exists: async (db, id) => Boolean(await failureReportsRepo.findById(db, id)),
  },
  action: { readPermission: "plant:read", exists: async (db, id) => Boolean(await actionsRepo.findById(db, id)) },
};
