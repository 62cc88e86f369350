import type { Tx } from "../../db/index.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { conflict, validationFailed } from "../../errors.ts";
import { downtimesRepo } from "../downtimes/repo.ts";
import { repairsRepo } from "./repo.ts";

/**
 * A repair and the downtime it ended point at each other (`repairs.downtime_id`,
 * `downtimes.repair_id`): one repair per downtime, of the same machine. Both services change
 * the link only through these two functions, so the two columns always agree.
 */

export async function setDowntimeOfRepair(
  trx: Tx,
  repair: { id: string; machine_id: string; downtime_id: string | null },
  downtimeId: string | null,
): Promise<void> {
  if (repair.downtime_id === downtimeId) return;
  if (repair.downtime_id) await downtimesRepo.update(trx, repair.downtime_id, { repair_id: null });
  if (downtimeId) {
    const downtime = await downtimesRepo.findById(trx, downtimeId);
    if (!downtime)
      throw validationFailed([{ field: "downtime_id", message: "No downtime with this id", code: "not_found" }]);
    if (downtime.machine_id !== repair.machine_id) {
      throw validationFailed([
        { field: "downtime_id", message: "The downtime is of another machine", code: "machine_mismatch" },
      ]);
    }
    if (downtime.repair_id && downtime.repair_id !== repair.id) throw alreadyLinked("downtime_id");
    await downtimesRepo.update(trx, downtimeId, { repair_id: repair.id });
  }
  await writeLink(() => repairsRepo.update(trx, repair.id, { downtime_id: downtimeId }), "downtime_id");
}

export async function setRepairOfDowntime(
  trx: Tx,
  downtime: { id: string; machine_id: string; repair_id: string | null },
  repairId: string | null,
): Promise<void> {
  if (downtime.repair_id === repairId) return;
  if (downtime.repair_id) await repairsRepo.update(trx, downtime.repair_id, { downtime_id: null });
  if (repairId) {
    const repair = await repairsRepo.findById(trx, repairId);
    if (!repair) throw validationFailed([{ field: "repair_id", message: "No repair with this id", code: "not_found" }]);
    if (repair.machine_id !== downtime.machine_id) {
      throw validationFailed([
        { field: "repair_id", message: "The repair is of another machine", code: "machine_mismatch" },
      ]);
    }
    if (repair.downtime_id && repair.downtime_id !== downtime.id) throw alreadyLinked("repair_id");
    await writeLink(() => repairsRepo.update(trx, repairId, { downtime_id: downtime.id }), "repair_id");
  }
  await downtimesRepo.update(trx, downtime.id, { repair_id: repairId });
}

function alreadyLinked(field: string) {
  return conflict("The downtime and the repair can each be linked once; this one is already linked", [
    { field, message: "already linked to another record", code: "already_linked" },
  ]);
}

/** Two requests linking one downtime at once: the unique key on repairs.downtime_id lets one win. */
async function writeLink(write: () => Promise<void>, field: string): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyLinked(field);
    throw error;
  }
}
