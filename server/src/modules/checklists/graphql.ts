import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { Refs } from "../../graphql/refs.ts";
import { APPLIES_TO, STEP_KINDS, type ChecklistStep, type ChecklistTemplateVersion } from "./service.ts";

export function registerChecklistGraphql(builder: Builder, refs: Refs) {
  const StepKind = builder.enumType("ChecklistStepKind", { values: STEP_KINDS });
  const AppliesTo = builder.enumType("ChecklistAppliesTo", { values: APPLIES_TO });

  const StepType = builder.objectRef<ChecklistStep>("ChecklistStep").implement({
    fields: (t) => ({
      id: t.exposeID("id", { description: "Stable across versions: results point at it" }),
      text: t.exposeString("text"),
      kind: t.exposeString("kind"),
      required: t.exposeBoolean("required"),
      unit: t.exposeString("unit", { nullable: true }),
      min: t.exposeFloat("min", { nullable: true }),
      max: t.exposeFloat("max", { nullable: true }),
      guidance: t.exposeString("guidance", { nullable: true }),
    }),
  });
  const VersionType = builder.objectRef<ChecklistTemplateVersion>("ChecklistTemplateVersion").implement({
    fields: (t) => ({
      version: t.exposeInt("version"),
      name: t.exposeString("name"),
      createdBy: t.id({ nullable: true, resolve: (v) => v.created_by }),
      createdAt: t.string({ resolve: (v) => v.created_at }),
      updatedAt: t.string({ resolve: (v) => v.updated_at }),
    }),
  });

  refs.ChecklistTemplate.implement({
    description: "A checklist template as seen in one of its versions (the newest unless asked otherwise)",
    fields: (t) => ({
      id: t.exposeID("id"),
      version: t.exposeInt("version"),
      latestVersion: t.int({ resolve: (x) => x.latest_version }),
      name: t.exposeString("name"),
      description: t.exposeString("description", { nullable: true }),
      appliesTo: t.string({ resolve: (x) => x.applies_to }),
      active: t.exposeBoolean("active"),
      builtin: t.exposeBoolean("builtin"),
      steps: t.field({ type: [StepType], resolve: (x) => x.steps }),
      createdBy: t.id({ nullable: true, resolve: (x) => x.created_by }),
      createdAt: t.string({ resolve: (x) => x.created_at }),
      updatedAt: t.string({ resolve: (x) => x.updated_at }),
      versionCreatedBy: t.id({ nullable: true, resolve: (x) => x.version_created_by }),
      versionCreatedAt: t.string({ resolve: (x) => x.version_created_at }),
      versions: t.field({
        type: [VersionType],
        description: "Every version of the template, newest first",
        resolve: async (x, _a, { ctx, services }) => (await services.checklists.versions(ctx, x.id)).items,
      }),
    }),
  });
  const TemplateConnection = connectionType(builder, "ChecklistTemplate", refs.ChecklistTemplate);

  const StepInput = builder.inputType("ChecklistStepInput", {
    fields: (t) => ({
      id: t.id({ description: "Keep an existing step's id when editing; leave it out for a new step" }),
      text: t.string({ required: true }),
      kind: t.field({ type: StepKind, required: true }),
      required: t.boolean(),
      unit: t.string(),
      min: t.float(),
      max: t.float(),
      guidance: t.string(),
    }),
  });
  const CreateInput = builder.inputType("CreateChecklistTemplateInput", {
    fields: (t) => ({
      name: t.string({ required: true }),
      description: t.string(),
      appliesTo: t.field({ type: AppliesTo }),
      active: t.boolean(),
      steps: t.field({ type: [StepInput], required: true }),
    }),
  });
  const UpdateInput = builder.inputType("UpdateChecklistTemplateInput", {
    fields: (t) => ({
      name: t.string(),
      description: t.string(),
      appliesTo: t.field({ type: AppliesTo }),
      active: t.boolean(),
      steps: t.field({ type: [StepInput] }),
    }),
  });
  /** Steps arrive with nulls for what was left out; the service takes them as absent. */
  const serviceInput = (input: { steps?: Record<string, unknown>[] | null } & Record<string, unknown>) => {
    const { steps, ...rest } = input;
    return { ...toSnakeCase(rest), ...(steps != null ? { steps: steps.map((s) => withoutNulls(s)) } : {}) };
  };

  builder.queryFields((t) => ({
    checklistTemplates: t.field({
      type: TemplateConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        appliesTo: t.arg({ type: AppliesTo, description: "tool or machine: templates for it, and those for any" }),
        q: t.arg.string(),
        includeInactive: t.arg.boolean(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.checklists.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    checklistTemplate: t.field({
      type: refs.ChecklistTemplate,
      args: { id: t.arg.id({ required: true }), version: t.arg.int() },
      resolve: (_root, { id, ...query }, { ctx, services }) =>
        services.checklists.get(ctx, String(id), withoutNulls(query)),
    }),
  }));

  builder.mutationFields((t) => ({
    createChecklistTemplate: t.field({
      type: refs.ChecklistTemplate,
      args: { input: t.arg({ type: CreateInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.checklists.create(ctx, serviceInput(args.input)),
    }),
    updateChecklistTemplate: t.field({
      type: refs.ChecklistTemplate,
      description: "Edits the newest version in place while no log used it; otherwise saves a new version",
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.checklists.update(ctx, String(args.id), serviceInput(args.input)),
    }),
  }));
}
