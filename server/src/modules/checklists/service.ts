import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Queryable } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { notFound, validationFailed, type ErrorDetail } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, nameInput, optionalText, parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { checklistsRepo, type TemplateWithVersion } from "./repo.ts";

export const STEP_KINDS = ["check", "pass_fail", "number", "text", "photo"] as const;
/** What a template is filled in for: a tool (mould), a machine, or either. */
export const APPLIES_TO = ["tool", "machine", "any"] as const;
export const MAX_STEPS = 200;

export type StepKind = (typeof STEP_KINDS)[number];

export interface ChecklistStep {
  id: string;
  text: string;
  kind: StepKind;
  required: boolean;
  unit: string | null;
  min: number | null;
  max: number | null;
  guidance: string | null;
}

/** A template as seen in one of its versions (the newest unless asked otherwise). */
export interface ChecklistTemplate {
  id: string;
  version: number;
  latest_version: number;
  name: string;
  description: string | null;
  applies_to: (typeof APPLIES_TO)[number];
  active: boolean;
  builtin: boolean;
  steps: ChecklistStep[];
  created_by: string | null;
  created_at: string;
  updated_at: string;
  version_created_by: string | null;
  version_created_at: string;
}

export interface ChecklistTemplateVersion {
  version: number;
  name: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Step ids are stable across versions: results point at them. */
export const stepIdInput = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "may contain letters, digits and . _ - only");

const limit = z.number().min(-1e12).max(1e12);
const stepSchema = z.strictObject({
  /** Keep a step's id when editing it; new steps may leave it out and get one. */
  id: stepIdInput.optional(),
  text: z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters"),
  kind: z.enum(STEP_KINDS),
  required: z.boolean().default(true),
  unit: optionalText(20),
  min: limit.nullish(),
  max: limit.nullish(),
  guidance: optionalText(2000),
});
const stepsInput = z
  .array(stepSchema)
  .min(1, "a checklist needs at least one step")
  .max(MAX_STEPS, `a checklist has at most ${MAX_STEPS} steps`);

export const createTemplateSchema = z.strictObject({
  name: nameInput,
  description: optionalText(4000),
  applies_to: z.enum(APPLIES_TO).default("any"),
  active: z.boolean().default(true),
  steps: stepsInput,
});
export const updateTemplateSchema = z.strictObject({
  name: nameInput.optional(),
  description: optionalText(4000),
  applies_to: z.enum(APPLIES_TO).optional(),
  active: z.boolean().optional(),
  steps: stepsInput.optional(),
});
export const listTemplatesSchema = z.strictObject({
  ...pageQuery,
  applies_to: z.enum(APPLIES_TO).optional(),
  q: z.string().max(100).optional(),
  include_inactive: booleanQuery.default(false),
});
export const getTemplateSchema = z.strictObject({
  version: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

/**
 * Checklist templates (SPEC §8): ordered steps, versioned. Editing a version that a
 * maintenance log already used makes a new version and leaves the used one as it was;
 * an unused version is edited in place. Every version stays readable.
 */
export class ChecklistService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async get(ctx: RequestContext, id: string, query: unknown = {}): Promise<ChecklistTemplate> {
    authorize(ctx, "plant:read");
    const { version } = parseInput(getTemplateSchema, query);
    const row = await checklistsRepo.findVersion(this.#db.kysely, id, version);
    if (!row) {
      if (version !== undefined && (await checklistsRepo.findTemplate(this.#db.kysely, id))) {
        throw notFound(`Version ${version} of the checklist template`);
      }
      throw notFound("Checklist template");
    }
    return publicTemplate(row);
  }

  /** Many template versions at once (GraphQL: the version each log used). */
  async byVersions(
    ctx: RequestContext,
    keys: readonly { id: string; version: number }[],
  ): Promise<ChecklistTemplate[]> {
    authorize(ctx, "plant:read");
    return (await checklistsRepo.findVersions(this.#db.kysely, keys)).map(publicTemplate);
  }

  async versions(ctx: RequestContext, id: string): Promise<{ items: ChecklistTemplateVersion[] }> {
    authorize(ctx, "plant:read");
    if (!(await checklistsRepo.findTemplate(this.#db.kysely, id))) throw notFound("Checklist template");
    const rows = await checklistsRepo.listVersions(this.#db.kysely, id);
    return { items: rows.map(({ template_id: _id, ...row }) => row) };
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<ChecklistTemplate>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listTemplatesSchema, query);
    const after = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await checklistsRepo.list(
      this.#db.kysely,
      { includeInactive: q.include_inactive, appliesTo: q.applies_to, q: q.q, after },
      q.limit + 1,
    );
    return toPage(rows, q.limit, (r) => [r.name, r.template_id], publicTemplate);
  }

  async create(ctx: RequestContext, input: unknown): Promise<ChecklistTemplate> {
    const actor = authorize(ctx, "checklists:write");
    const fields = parseInput(createTemplateSchema, input);
    const steps = normaliseSteps(fields.steps);
    return transaction(this.#db, async (trx) => {
      const now = new Date().toISOString();
      const id = newId();
      await checklistsRepo.insertTemplate(trx, {
        id,
        version: 1,
        active: fields.active,
        builtin: false,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
      });
      await checklistsRepo.insertVersion(trx, {
        template_id: id,
        version: 1,
        name: fields.name,
        description: fields.description ?? null,
        applies_to: fields.applies_to,
        steps: JSON.stringify(steps),
        created_by: actor.id,
        created_at: now,
        updated_at: now,
      });
      const created = publicTemplate((await checklistsRepo.findVersion(trx, id))!);
      await this.#audit.record(trx, ctx, {
        action: "checklist_template.create",
        entity_type: "checklist_template",
        entity_id: id,
        changes: diff(null, auditView(created)),
      });
      return created;
    });
  }

  /**
   * Changes a template. `active` is the template's own flag; name, description, applies_to and
   * steps are the content of its newest version: edited in place while no log has used that
   * version, otherwise saved as the next version.
   */
  async update(ctx: RequestContext, id: string, input: unknown): Promise<ChecklistTemplate> {
    const actor = authorize(ctx, "checklists:write");
    const patch = parseInput(updateTemplateSchema, input);
    return transaction(this.#db, async (trx) => {
      const head = await checklistsRepo.lockTemplate(trx, id);
      if (!head) throw notFound("Checklist template");
      const before = publicTemplate((await checklistsRepo.findVersion(trx, id, head.version))!);
      const content = {
        name: patch.name ?? before.name,
        description: patch.description !== undefined ? patch.description : before.description,
        applies_to: patch.applies_to ?? before.applies_to,
        steps: patch.steps ? normaliseSteps(patch.steps) : before.steps,
      };
      const contentChanged =
        JSON.stringify(content) !==
        JSON.stringify({
          name: before.name,
          description: before.description,
          applies_to: before.applies_to,
          steps: before.steps,
        });
      const now = new Date().toISOString();
      let version = head.version;
      let action = "checklist_template.update";
      if (contentChanged) {
        const row = { ...content, steps: JSON.stringify(content.steps), updated_at: now };
        if (await checklistsRepo.isVersionUsed(trx, id, head.version)) {
          version = head.version + 1;
          action = "checklist_template.new_version";
          await checklistsRepo.insertVersion(trx, {
            template_id: id,
            version,
            ...row,
            created_by: actor.id,
            created_at: now,
          });
        } else {
          await checklistsRepo.updateVersion(trx, id, version, row);
        }
      }
      await checklistsRepo.updateTemplate(trx, id, {
        version,
        ...(patch.active !== undefined ? { active: patch.active } : {}),
        updated_at: now,
      });
      const after = publicTemplate((await checklistsRepo.findVersion(trx, id, version))!);
      await this.#audit.record(trx, ctx, {
        action,
        entity_type: "checklist_template",
        entity_id: id,
        changes: updateDiff(auditView(before), auditView(after)),
      });
      return after;
    });
  }
}

/** A version of a template that a new log may use; the 422s name the log's fields. */
export async function templateForLog(
  db: Queryable,
  templateId: string,
  version: number | undefined,
  subject: "tool" | "machine",
): Promise<ChecklistTemplate> {
  // Lock the template: an engineer's in-place edit and a log starting on that version queue up.
  const head = await checklistsRepo.lockTemplate(db, templateId);
  if (!head) {
    throw validationFailed([
      { field: "template_id", message: "No checklist template with this id", code: "not_found" },
    ]);
  }
  if (!toBool(head.active)) {
    throw validationFailed([{ field: "template_id", message: "The checklist template is inactive", code: "inactive" }]);
  }
  const row = await checklistsRepo.findVersion(db, templateId, version ?? head.version);
  if (!row) {
    throw validationFailed([
      {
        field: "template_version",
        message: `The template has versions 1 to ${head.version}`,
        code: "not_found",
      },
    ]);
  }
  const template = publicTemplate(row);
  if (template.applies_to !== "any" && template.applies_to !== subject) {
    throw validationFailed([
      {
        field: "template_id",
        message: `The checklist is for a ${template.applies_to}, not a ${subject}`,
        code: "wrong_subject",
      },
    ]);
  }
  return template;
}

/** A template version as stored, for reading results of an existing log. */
export async function templateVersion(
  db: Queryable,
  templateId: string,
  version: number,
): Promise<ChecklistTemplate | undefined> {
  const row = await checklistsRepo.findVersion(db, templateId, version);
  return row ? publicTemplate(row) : undefined;
}

/** Fills in defaults and ids, and checks what zod cannot see step by step. */
function normaliseSteps(steps: z.output<typeof stepsInput>): ChecklistStep[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  const out = steps.map((step, i): ChecklistStep => {
    const at = `steps.${i}`;
    const id = step.id ?? newId();
    if (seen.has(id)) details.push({ field: `${at}.id`, message: "Step ids must be unique", code: "duplicate" });
    seen.add(id);
    const min = step.min ?? null;
    const max = step.max ?? null;
    const unit = step.unit ?? null;
    if (step.kind !== "number") {
      for (const [field, value] of [
        ["unit", unit],
        ["min", min],
        ["max", max],
      ] as const) {
        if (value !== null) {
          details.push({ field: `${at}.${field}`, message: "Only number steps have it", code: "number_only" });
        }
      }
    } else if (min !== null && max !== null && min > max) {
      details.push({ field: `${at}.max`, message: "must not be below min", code: "max_below_min" });
    }
    return {
      id,
      text: step.text,
      kind: step.kind,
      required: step.required,
      unit,
      min,
      max,
      guidance: step.guidance ?? null,
    };
  });
  if (details.length > 0) throw validationFailed(details);
  return out;
}

export function publicTemplate(row: TemplateWithVersion): ChecklistTemplate {
  return {
    id: row.template_id,
    version: Number(row.version),
    latest_version: Number(row.latest_version),
    name: row.name,
    description: row.description,
    applies_to: row.applies_to as ChecklistTemplate["applies_to"],
    active: toBool(row.active),
    builtin: toBool(row.builtin),
    steps: JSON.parse(row.steps) as ChecklistStep[],
    created_by: row.template_created_by,
    created_at: row.template_created_at,
    updated_at: row.template_updated_at,
    version_created_by: row.created_by,
    version_created_at: row.created_at,
  };
}

/** The fields an audit entry compares. */
function auditView(t: ChecklistTemplate) {
  return {
    name: t.name,
    description: t.description,
    applies_to: t.applies_to,
    active: t.active,
    version: t.version,
    steps: t.steps,
  };
}
