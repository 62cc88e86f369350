import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Queryable } from "../../db/index.ts";
import { validationFailed } from "../../errors.ts";
import { parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import { LOCALES } from "../users/service.ts";
import { PLANT_DEFAULT_LOCALE_KEY, settingsRepo } from "./repo.ts";

/**
 * Plant settings (SPEC §2: admins change them; nobody else reads them). They live in the
 * `settings` key/value table under `plant.*` keys, beside internal values such as the JWT
 * secret — which this module never reads or returns: only the keys named here pass.
 */
export interface PlantSettings {
  /** Shown on reports and labels; null until an admin names the plant. */
  plant_name: string | null;
  /** Language of new accounts created without one (users can change their own later). */
  default_locale: (typeof LOCALES)[number];
  /** When a setting last changed (null: all at their defaults). */
  updated_at: string | null;
}

const KEYS = { plant_name: "plant.name", default_locale: PLANT_DEFAULT_LOCALE_KEY } as const;
const DEFAULTS = { plant_name: null, default_locale: "en" } as const;

export const updateSettingsSchema = z
  .strictObject({
    plant_name: z.string().trim().max(100, "must be at most 100 characters").nullable().optional(),
    default_locale: z.enum(LOCALES).optional(),
  })
  .refine((input) => Object.keys(input).length > 0, { message: "send at least one setting" });

/** A name shown on labels and reports: no control characters (tab and newline included). */
function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

async function read(db: Queryable): Promise<PlantSettings> {
  const rows = await settingsRepo.many(db, Object.values(KEYS));
  const value = (key: string) => rows.find((r) => r.key === key)?.value;
  const locale = value(KEYS.default_locale);
  return {
    plant_name: value(KEYS.plant_name) ?? DEFAULTS.plant_name,
    default_locale: (LOCALES as readonly string[]).includes(locale ?? "")
      ? (locale as PlantSettings["default_locale"])
      : DEFAULTS.default_locale,
    updated_at:
      rows
        .map((r) => r.updated_at)
        .sort()
        .at(-1) ?? null,
  };
}

export class SettingsService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async get(ctx: RequestContext): Promise<PlantSettings> {
    authorize(ctx, "settings:write");
    return read(this.#db.kysely);
  }

  /** Writes only the settings sent; an empty plant name (or null) clears it. */
  async update(ctx: RequestContext, input: unknown): Promise<PlantSettings> {
    authorize(ctx, "settings:write");
    const parsed = parseInput(updateSettingsSchema, input ?? {});
    if (parsed.plant_name != null && hasControlCharacter(parsed.plant_name)) {
      throw validationFailed([
        { field: "plant_name", message: "must not contain control characters", code: "invalid_format" },
      ]);
    }
    return transaction(this.#db, async (trx) => {
      const before = await read(trx);
      const at = new Date().toISOString();
      const changes: Record<string, [unknown, unknown]> = {};
      if (parsed.plant_name !== undefined) {
        const name = parsed.plant_name === "" ? null : parsed.plant_name;
        if (name === null) await settingsRepo.remove(trx, KEYS.plant_name);
        else await settingsRepo.upsert(trx, KEYS.plant_name, name, at);
        if (name !== before.plant_name) changes.plant_name = [before.plant_name, name];
      }
      if (parsed.default_locale !== undefined) {
        await settingsRepo.upsert(trx, KEYS.default_locale, parsed.default_locale, at);
        if (parsed.default_locale !== before.default_locale) {
          changes.default_locale = [before.default_locale, parsed.default_locale];
        }
      }
      await this.#audit.record(trx, ctx, {
        action: "settings.update",
        entity_type: "settings",
        entity_id: "plant",
        changes,
      });
      return read(trx);
    });
  }
}
