import { z } from "zod";
import { fromZodError, validationFailed, type ErrorDetail } from "./errors.ts";

/** Parses input with a zod schema; a failure becomes a 422 with field-level details. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const nul = fieldWithNul(input);
  if (nul !== undefined) throw validationFailed([nulDetail(nul)]);
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

/** PostgreSQL's text refuses NUL characters (and no field of HOM needs one): found before any SQL runs. */
export function nulDetail(field: string): ErrorDetail {
  return { field, message: "must not contain NUL characters (\\u0000)", code: "invalid_characters" };
}

/** The path of the first string (or key) with a NUL character in an input, if any. */
export function fieldWithNul(input: unknown): string | undefined {
  const path = nulPath(input, 0);
  return path === undefined ? undefined : path.length > 0 ? path.join(".") : "(input)";
}

/**
 * The keys down to the first NUL, outermost first, or undefined when there is none. The path is
 * put together on the way back from a find only: almost no input has one, and a batch has 10,000
 * entries whose every field would otherwise get a path string.
 */
function nulPath(input: unknown, depth: number): (string | number)[] | undefined {
  if (typeof input === "string") return input.includes("\u0000") ? [] : undefined;
  if (input === null || typeof input !== "object" || depth > 20) return undefined;
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const found = nulPath(input[i], depth + 1);
      if (found) return [i, ...found];
    }
    return undefined;
  }
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    if (key.includes("\u0000")) return [key];
    const found = nulPath((input as Record<string, unknown>)[key], depth + 1);
    if (found) return [key, ...found];
  }
  return undefined;
}

/**
 * A date-time with a time zone (`Z` or an offset such as `+01:00`), normalised to UTC
 * `2026-03-01T06:00:00.000Z`. A time without a zone is refused: a tablet's local time is
 * not the server's, and guessing shifts the record by hours.
 */
export const dateTimeInput = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T06:00:00Z" })
  .transform((v) => new Date(v).toISOString())
  .refine((v) => v >= "2000-01-01" && v < "2100-01-01", "must be between the years 2000 and 2099");

/** A date-time with a zone in the plain forms clients and PLCs send; anything else is for `dateTimeInput`. */
const PLAIN_DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/**
 * `dateTimeInput` without the schema machinery, for hot paths (a feed's every message, a batch's
 * every entry): the same normalised value for the plain forms it accepts, or undefined for
 * anything else (which then goes through the schema, so the errors are the schema's).
 */
export function quickDateTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (value.length === 24 && value.endsWith("Z")) {
    // Already normalised (e.g. by a feed's decoder): a real date gives itself back.
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && new Date(ms).toISOString() === value) {
      return value >= "2000-01-01" && value < "2100-01-01" ? value : undefined;
    }
  }
  if (!PLAIN_DATE_TIME.test(value)) return undefined;
  // Date.parse rolls 2026-02-30 over to March; the schema refuses it.
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  return iso >= "2000-01-01" && iso < "2100-01-01" ? iso : undefined;
}

/** Tablets' and machines' clocks drift: a time up to this far ahead of the server's counts as now. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Whether a time lies further ahead than clock drift explains: something that must have happened already cannot. */
export function isInFuture(iso: string, now = Date.now()): boolean {
  return Date.parse(iso) > now + CLOCK_SKEW_MS;
}

/** A period bound: a date-time as above, or a date meaning midnight UTC. */
export const periodBoundInput = z.union(
  [
    dateTimeInput,
    z.iso
      .date()
      .transform((v) => `${v}T00:00:00.000Z`)
      .refine((v) => v >= "2000-01-01" && v < "2100-01-01", "must be between the years 2000 and 2099"),
  ],
  { error: "must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone" },
);

/** An id of another record; whether it exists is the service's question (422 when it does not). */
export const idInput = z.string().trim().min(1).max(64);

/** Optional free text: trimmed, empty means none, `null` clears it in a PATCH (SPEC §1). */
export function optionalText(max: number) {
  return z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((v) => (v === "" ? null : v))
    .nullish();
}

/** Short codes people type and print on labels: letters, digits, dot, dash, underscore. */
export const codeInput = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(32, "must be at most 32 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "may contain letters, digits and . _ / - only");

/** A required name: trimmed, 1–200 characters. */
export const nameInput = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");

/** `?flag=true|false` in a query string, or a boolean from GraphQL. */
export const booleanQuery = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

/** Every field optional, as a PATCH takes them. */
export function partialFields<T extends Record<string, z.ZodType>>(fields: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as never;
}
