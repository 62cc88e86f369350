import type { z } from "zod";
import { fromZodError } from "./errors.ts";

/** Parses input with a zod schema; a failure becomes a 422 with field-level details. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}
