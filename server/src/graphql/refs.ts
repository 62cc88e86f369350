import type { Builder } from "./builder.ts";
import type { ChecklistTemplate } from "../modules/checklists/service.ts";
import type { Action } from "../modules/actions/service.ts";
import type { Downtime } from "../modules/downtimes/service.ts";
import type { DowntimeReason } from "../modules/downtime-reasons/service.ts";
import type { FailureReport } from "../modules/failures/service.ts";
import type { MaintenanceLog } from "../modules/maintenance/service.ts";
import type { Line, Machine } from "../modules/plant/service.ts";
import type { Repair } from "../modules/repairs/service.ts";
import type { Tool } from "../modules/tools/service.ts";
import type { Person } from "../modules/users/service.ts";

/**
 * The object types that point at each other across modules. Each is declared here and
 * implemented by its own module; modules add the links they own (`builder.objectFields`).
 */
export function createRefs(builder: Builder) {
  return {
    Line: builder.objectRef<Line>("Line"),
    Machine: builder.objectRef<Machine>("Machine"),
    DowntimeReason: builder.objectRef<DowntimeReason>("DowntimeReason"),
    Downtime: builder.objectRef<Downtime>("Downtime"),
    Repair: builder.objectRef<Repair>("Repair"),
    Tool: builder.objectRef<Tool>("Tool"),
    ChecklistTemplate: builder.objectRef<ChecklistTemplate>("ChecklistTemplate"),
    MaintenanceLog: builder.objectRef<MaintenanceLog>("MaintenanceLog"),
    FailureReport: builder.objectRef<FailureReport>("FailureReport"),
    Action: builder.objectRef<Action>("Action"),
    Person: builder.objectRef<Person>("Person"),
  };
}

export type Refs = ReturnType<typeof createRefs>;
