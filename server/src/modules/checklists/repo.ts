import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { ChecklistTemplatesTable, ChecklistTemplateVersionsTable } from "../../db/schema.ts";
import { containsIgnoringCase } from "../../db/sql.ts";
import { afterKey } from "../../db/pagination.ts";

export type TemplateRow = Selectable<ChecklistTemplatesTable>;
export type TemplateVersionRow = Selectable<ChecklistTemplateVersionsTable>;
/** A template with the content of one of its versions. */
export type TemplateWithVersion = TemplateVersionRow & {
  latest_version: number;
  active: TemplateRow["active"];
  builtin: TemplateRow["builtin"];
  template_created_at: string;
  template_updated_at: string;
  template_created_by: string | null;
};

export interface TemplateFilter {
  includeInactive: boolean;
  /** Templates usable for this subject: its own kind and `any`. */
  appliesTo?: string;
  q?: string;
  /** Keyset position: [name, id]. */
  after?: [string, string];
}

function withVersion(db: Queryable) {
  return db
    .selectFrom("checklist_templates as t")
    .innerJoin("checklist_template_versions as v", "v.template_id", "t.id")
    .selectAll("v")
    .select([
      "t.version as latest_version",
      "t.active",
      "t.builtin",
      "t.created_at as template_created_at",
      "t.updated_at as template_updated_at",
      "t.created_by as template_created_by",
    ]);
}

export const checklistsRepo = {
  findTemplate(db: Queryable, id: string) {
    return db.selectFrom("checklist_templates").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** Reads a template and, on PostgreSQL, locks its row: edits and new logs on it queue up. */
  async lockTemplate(db: Queryable, id: string) {
    const locked = await db
      .updateTable("checklist_templates")
      .set((eb) => ({ updated_at: eb.ref("updated_at") }))
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) === 0) return undefined;
    return checklistsRepo.findTemplate(db, id);
  },

  /** One version of a template, or its newest when `version` is undefined. */
  findVersion(db: Queryable, id: string, version?: number): Promise<TemplateWithVersion | undefined> {
    let q = withVersion(db).where("t.id", "=", id);
    q = version === undefined ? q.whereRef("v.version", "=", "t.version") : q.where("v.version", "=", version);
    return q.executeTakeFirst();
  },

  /** Many (template, version) pairs at once (GraphQL loaders). */
  findVersions(db: Queryable, keys: readonly { id: string; version: number }[]): Promise<TemplateWithVersion[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return withVersion(db)
      .where((eb) => eb.or(keys.map((k) => eb.and([eb("v.template_id", "=", k.id), eb("v.version", "=", k.version)]))))
      .execute();
  },

  listVersions(db: Queryable, id: string) {
    return db
      .selectFrom("checklist_template_versions")
      .select(["template_id", "version", "name", "created_by", "created_at", "updated_at"])
      .where("template_id", "=", id)
      .orderBy("version", "desc")
      .execute();
  },

  /** Templates in their newest version, by name. */
  list(db: Queryable, filter: TemplateFilter, limit: number): Promise<TemplateWithVersion[]> {
    let q = withVersion(db).whereRef("v.version", "=", "t.version");
    if (!filter.includeInactive) q = q.where("t.active", "=", true);
    if (filter.appliesTo) q = q.where("v.applies_to", "in", [...new Set([filter.appliesTo, "any"])]);
    if (filter.q) q = q.where(containsIgnoringCase(["v.name", "v.description"], filter.q));
    if (filter.after) {
      q = q.where(afterKey("v.name", filter.after, "asc", "t.id"));
    }
    return q.orderBy("v.name").orderBy("t.id").limit(limit).execute();
  },

  /** Whether any maintenance log (draft or not) was filled in on this version. */
  async isVersionUsed(db: Queryable, id: string, version: number): Promise<boolean> {
    const row = await db
      .selectFrom("maintenance_logs")
      .select("id")
      .where("template_id", "=", id)
      .where("template_version", "=", version)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  async insertTemplate(db: Queryable, row: Insertable<ChecklistTemplatesTable>): Promise<void> {
    await db.insertInto("checklist_templates").values(row).execute();
  },

  async updateTemplate(db: Queryable, id: string, patch: Updateable<ChecklistTemplatesTable>): Promise<void> {
    await db.updateTable("checklist_templates").set(patch).where("id", "=", id).execute();
  },

  async insertVersion(db: Queryable, row: Insertable<ChecklistTemplateVersionsTable>): Promise<void> {
    await db.insertInto("checklist_template_versions").values(row).execute();
  },

  async updateVersion(
    db: Queryable,
    id: string,
    version: number,
    patch: Updateable<ChecklistTemplateVersionsTable>,
  ): Promise<void> {
    await db
      .updateTable("checklist_template_versions")
      .set(patch)
      .where("template_id", "=", id)
      .where("version", "=", version)
      .execute();
  },
};
