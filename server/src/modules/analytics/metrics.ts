import { Gauge, type Registry } from "prom-client";
import { DOWNTIME_CATEGORIES } from "../downtime-reasons/service.ts";
import type { ActionService } from "../actions/service.ts";
import type { DowntimeService } from "../downtimes/service.ts";
import type { PlanService } from "../plans/service.ts";
import { PLAN_STATUSES } from "../plans/status.ts";

/**
 * The plant's state on /metrics (SPEC §11): ongoing downtimes and maintenance plans by status.
 * Read from the database when Prometheus scrapes, so every instance reports the same truth.
 */
export function registerPlantMetrics(
  registry: Registry,
  services: { downtimes: DowntimeService; plans: PlanService; actions: ActionService },
) {
  new Gauge({
    name: "hom_downtimes_ongoing",
    help: "Downtimes going on now, by category",
    labelNames: ["category"],
    registers: [registry],
    async collect() {
      const counts = await services.downtimes.countOngoing();
      for (const category of DOWNTIME_CATEGORIES) this.set({ category }, counts[category] ?? 0);
    },
  });
  new Gauge({
    name: "hom_maintenance_plans",
    help: "Active maintenance plans by status (not_due, warning, due, overdue)",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const counts = await services.plans.countByStatus();
      for (const status of PLAN_STATUSES) this.set({ status }, counts[status]);
    },
  });
  new Gauge({
    name: "hom_actions_overdue",
    help: "Actions past their due date and not completed, verified or cancelled",
    registers: [registry],
    async collect() {
      this.set(await services.actions.countOverdue());
    },
  });
}
