import type { Queryable } from "../../db/index.ts";
import { afterKey } from "../../db/pagination.ts";

/** Keyset position in a history: [at, id], newest first. */
export type HistoryKey = [string, string];

/**
 * The three streams of a history, each newest first from a keyset position. The service merges
 * them; each query reads at most `limit` rows through an index on (owner, time).
 */
export const historyRepo = {
  logs(db: Queryable, owner: { toolId?: string; machineId?: string }, before: HistoryKey | undefined, limit: number) {
    let q = db.selectFrom("maintenance_logs").selectAll();
    q = owner.toolId ? q.where("tool_id", "=", owner.toolId) : q.where("machine_id", "=", owner.machineId!);
    if (before) {
      q = q.where(afterKey("performed_at", before, "desc"));
    }
    return q.orderBy("performed_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** Repairs of a machine, or those that started on a machine while the tool was mounted on it. */
  repairs(
    db: Queryable,
    owner: { toolId?: string; machineId?: string },
    before: HistoryKey | undefined,
    limit: number,
  ) {
    let q = db.selectFrom("repairs as r").selectAll("r");
    if (owner.toolId) {
      const toolId = owner.toolId;
      q = q
        .innerJoin("tool_mounts as m", "m.machine_id", "r.machine_id")
        .where("m.tool_id", "=", toolId)
        .whereRef("r.start_datetime", ">=", "m.mounted_at")
        .where((eb) =>
          eb.or([eb("m.unmounted_at", "is", null), eb("r.start_datetime", "<", eb.ref("m.unmounted_at"))]),
        );
    } else {
      q = q.where("r.machine_id", "=", owner.machineId!);
    }
    if (before) {
      q = q.where(afterKey("r.start_datetime", before, "desc", "r.id"));
    }
    return q.orderBy("r.start_datetime", "desc").orderBy("r.id", "desc").limit(limit).execute();
  },

  /** Downtimes (not deleted) of a machine, or those that started while the tool was mounted. */
  downtimes(
    db: Queryable,
    owner: { toolId?: string; machineId?: string },
    before: HistoryKey | undefined,
    limit: number,
  ) {
    let q = db.selectFrom("downtimes as d").selectAll("d").where("d.deleted_at", "is", null);
    if (owner.toolId) {
      const toolId = owner.toolId;
      q = q
        .innerJoin("tool_mounts as m", "m.machine_id", "d.machine_id")
        .where("m.tool_id", "=", toolId)
        .whereRef("d.start_datetime", ">=", "m.mounted_at")
        .where((eb) =>
          eb.or([eb("m.unmounted_at", "is", null), eb("d.start_datetime", "<", eb.ref("m.unmounted_at"))]),
        );
    } else {
      q = q.where("d.machine_id", "=", owner.machineId!);
    }
    if (before) {
      q = q.where(afterKey("d.start_datetime", before, "desc", "d.id"));
    }
    return q.orderBy("d.start_datetime", "desc").orderBy("d.id", "desc").limit(limit).execute();
  },
};
