/** react-query keys, in one place so that a change can refresh everything it touches. */
import type { QueryClient } from "@tanstack/react-query";

export const keys = {
  lines: ["lines"] as const,
  machineOverview: ["machineOverview"] as const,
  line: (id: string) => ["line", id] as const,
  lineMachines: (id: string) => ["lineMachines", id] as const,
  machine: (id: string) => ["machine", id] as const,
  history: (machineId: string) => ["history", machineId] as const,
  recentDowntimes: (machineId: string) => ["recentDowntimes", machineId] as const,
  kpis: ["kpis"] as const,
  reasonTree: ["reasonTree"] as const,
  /** Every page of the registry list, whatever the filter. */
  toolLists: ["tools"] as const,
  tools: (filter: object) => ["tools", filter] as const,
  tool: (id: string) => ["tool", id] as const,
  toolHistory: (id: string) => ["toolHistory", id] as const,
  checklistTemplates: (appliesTo: string) => ["checklistTemplates", appliesTo] as const,
  maintenanceLog: (id: string) => ["maintenanceLog", id] as const,
  // Administration.
  userLists: ["users"] as const,
  users: (filter: object) => ["users", filter] as const,
  /** Whom actions can be assigned to (names only). */
  people: ["people"] as const,
  adminReasons: ["adminReasons"] as const,
  adminTemplates: ["adminTemplates"] as const,
  adminTemplate: (id: string, version: number | null) => ["adminTemplate", id, version] as const,
  opcuaSources: ["opcuaSources"] as const,
  /** The first page of the registry as a plain list (choosing a tool for a counter). */
  toolPicker: ["toolPicker"] as const,
  integrationEvents: (filter: object) => ["integrationEvents", filter] as const,
  // Dashboard.
  openDowntimes: ["openDowntimes"] as const,
  attentionPlans: ["attentionPlans"] as const,
  lineAvailability: (days: number) => ["lineAvailability", days] as const,
  overdueActions: ["actions", "overdue-dashboard"] as const,
  recentFailures: ["failures", "recent"] as const,
  // Failures, actions, photos.
  failureCodes: ["failureCodes"] as const,
  failureLists: ["failures"] as const,
  failures: (filter: object) => ["failures", filter] as const,
  failure: (id: string) => ["failure", id] as const,
  actionLists: ["actions"] as const,
  actions: (filter: object) => ["actions", filter] as const,
  photos: (entityType: string, entityId: string) => ["photos", entityType, entityId] as const,
  // Analytics: every figure under one prefix, so a refresh button can renew them all.
  analytics: (figure: string, query: object) => ["analytics", figure, query] as const,
  analyticsReports: ["analyticsReports"] as const,
  reportSchedule: ["reportSchedule"] as const,
  downtimeLists: ["downtimes"] as const,
  downtimes: (filter: object) => ["downtimes", filter] as const,
  // Account and administration.
  sessions: (userId: string) => ["sessions", userId] as const,
  settings: ["settings"] as const,
  backups: ["backups"] as const,
};

/** After a tool changed (shots, mount, status, a log): its page, its history and the registry list. */
export function refreshTool(client: QueryClient, toolId: string): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: keys.tool(toolId) }),
    client.invalidateQueries({ queryKey: keys.toolHistory(toolId) }),
    client.invalidateQueries({ queryKey: keys.toolLists }),
  ]);
}

/**
 * After a machine's downtime or repair changed: its page, its history, the figures and the
 * lists that show its status. Only queries on screen refetch; the rest are marked stale.
 */
export function refreshMachine(client: QueryClient, machineId: string): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: keys.machine(machineId) }),
    client.invalidateQueries({ queryKey: keys.history(machineId) }),
    client.invalidateQueries({ queryKey: keys.recentDowntimes(machineId) }),
    client.invalidateQueries({ queryKey: keys.kpis }),
    client.invalidateQueries({ queryKey: ["lineMachines"] }),
    client.invalidateQueries({ queryKey: keys.machineOverview }),
  ]);
}
