import { toSnakeCase, type Builder } from "../../graphql/builder.ts";
import type { PlantSettings } from "./service.ts";

export function registerSettingsGraphql(builder: Builder) {
  const Settings = builder.objectRef<PlantSettings>("PlantSettings").implement({
    fields: (t) => ({
      plantName: t.string({ nullable: true, resolve: (s) => s.plant_name }),
      defaultLocale: t.string({ resolve: (s) => s.default_locale }),
      updatedAt: t.string({ nullable: true, resolve: (s) => s.updated_at }),
    }),
  });
  const Input = builder.inputType("UpdateSettingsInput", {
    fields: (t) => ({ plantName: t.string(), defaultLocale: t.string() }),
  });
  builder.queryFields((t) => ({
    settings: t.field({
      type: Settings,
      description: "Plant settings (admin)",
      resolve: (_root, _args, { ctx, services }) => services.settings.get(ctx),
    }),
  }));
  builder.mutationFields((t) => ({
    updateSettings: t.field({
      type: Settings,
      description: "Change plant settings; only the fields sent change, null clears the plant name (admin)",
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.settings.update(ctx, toSnakeCase(args.input)),
    }),
  }));
}
