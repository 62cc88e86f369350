import { z } from "zod";
import { dateTimeInput, quickDateTime } from "../../validate.ts";

/**
 * The MQTT machine feed's wire format (SPEC §7, docs/integrations.md):
 *   {prefix}/machines/{machine_code}/cycles  { "counter": N, "ts": "ISO", "seq": N }
 *   {prefix}/tools/{asset_number}/shots      { "count": N } or { "total": N }, plus "ts", "seq"
 * A `/` inside a code or asset number is written `%2F` in the topic (MQTT uses `/` between levels).
 * Fields other than these are ignored, so a PLC may send more.
 */

export const MAX_SHOTS = 1_000_000_000_000;

/** What a message is about, from its topic. */
export type Target = { kind: "machine"; code: string } | { kind: "tool"; assetNumber: string };

/** A decoded message, before its code or asset number is looked up. */
export interface Reading {
  target: Target;
  /** A counter reading (machine `counter`, tool `total`) or a delta (tool `count`). */
  total?: number;
  count?: number;
  /** Normalised to UTC `…Z`; absent when the message had no `ts` (the server's time is used). */
  recordedAt?: string;
  seq?: number;
}

/** Why a message was refused or ignored; `reason` is also the metrics label. */
export interface Refusal {
  reason: string;
  message: string;
}

export class Topics {
  readonly prefix: string;
  readonly machineFilter: string;
  readonly toolFilter: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.machineFilter = `${prefix}/machines/+/cycles`;
    this.toolFilter = `${prefix}/tools/+/shots`;
  }

  /** The target of a topic, or undefined for a topic this feed does not read. */
  parse(topic: string): Target | undefined {
    if (!topic.startsWith(`${this.prefix}/`)) return undefined;
    const levels = topic.slice(this.prefix.length + 1).split("/");
    if (levels.length !== 3 || levels[1] === "") return undefined;
    const name = levels[1].replace(/%2F/gi, "/");
    if (levels[0] === "machines" && levels[2] === "cycles") return { kind: "machine", code: name };
    if (levels[0] === "tools" && levels[2] === "shots") return { kind: "tool", assetNumber: name };
    return undefined;
  }
}

const counterValue = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .max(MAX_SHOTS, `must be at most ${MAX_SHOTS}`);
const common = {
  ts: dateTimeInput.optional(),
  seq: z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(0, "must not be negative")
    .max(Number.MAX_SAFE_INTEGER, "is too large")
    .optional(),
};
const machinePayload = z.object({
  counter: counterValue.min(0, "must not be negative"),
  ...common,
});
const toolPayload = z
  .object({
    count: counterValue.min(1, "must be at least 1").optional(),
    total: counterValue.min(0, "must not be negative").optional(),
    ...common,
  })
  .superRefine((p, ctx) => {
    if ((p.count === undefined) === (p.total === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message: "give exactly one of count (shots since the last message) or total (a counter reading)",
      });
    }
  });

/**
 * Decodes one message. Oversized, non-JSON and wrongly shaped payloads are refusals with a
 * reason; nothing here throws.
 */
export function decode(target: Target, payload: Buffer, maxBytes: number, quick = true): Reading | Refusal {
  if (payload.length > maxBytes) {
    return { reason: "too_large", message: `payload of ${payload.length} bytes exceeds the limit of ${maxBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch (error) {
    return { reason: "not_json", message: `not JSON: ${(error as Error).message}` };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { reason: "invalid", message: "payload must be a JSON object" };
  }
  const fast = quick ? quickRead(target, json as Record<string, unknown>) : undefined;
  if (fast) return fast;
  // The schemas below decide everything the quick path did not accept, and word the errors.
  if (target.kind === "machine") {
    const parsed = machinePayload.safeParse(json);
    if (!parsed.success) return invalid(parsed.error);
    const { counter, ts, seq } = parsed.data;
    return { target, total: counter, recordedAt: ts, seq };
  }
  const parsed = toolPayload.safeParse(json);
  if (!parsed.success) return invalid(parsed.error);
  const { count, total, ts, seq } = parsed.data;
  return { target, count, total, recordedAt: ts, seq };
}

const whole = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/**
 * The common, valid message without the schema machinery (this runs for every message of a
 * busy feed). It accepts only what the schemas accept too, normalised the same way, and
 * returns undefined for anything else.
 */
function quickRead(target: Target, p: Record<string, unknown>): Reading | undefined {
  let recordedAt: string | undefined;
  if (p.ts !== undefined) {
    recordedAt = quickDateTime(p.ts);
    if (recordedAt === undefined) return undefined;
  }
  if (p.seq !== undefined && !whole(p.seq, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  const seq = p.seq;
  if (target.kind === "machine") {
    return whole(p.counter, 0, MAX_SHOTS) ? { target, total: p.counter, recordedAt, seq } : undefined;
  }
  if (p.count !== undefined && p.total === undefined && whole(p.count, 1, MAX_SHOTS)) {
    return { target, count: p.count, total: undefined, recordedAt, seq };
  }
  if (p.total !== undefined && p.count === undefined && whole(p.total, 0, MAX_SHOTS)) {
    return { target, count: undefined, total: p.total, recordedAt, seq };
  }
  return undefined;
}

function invalid(error: z.ZodError): Refusal {
  const message = error.issues.map((i) => `${i.path.map(String).join(".") || "payload"}: ${i.message}`).join("; ");
  return { reason: "invalid", message };
}

export function isRefusal(value: Reading | Refusal): value is Refusal {
  return "reason" in value;
}

/**
 * The idempotency key of a message with a `seq`: topic, seq and, when given, ts. A QoS 1
 * redelivery repeats all three and is stored once; a PLC whose `seq` restarts after a reboot
 * sends new timestamps, so its new messages are not mistaken for old ones.
 */
export function externalId(topic: string, reading: Reading): string | undefined {
  if (reading.seq === undefined) return undefined;
  return reading.recordedAt ? `${topic}#${reading.seq}@${reading.recordedAt}` : `${topic}#${reading.seq}`;
}

/** Payload text as kept in `integration_events`: NUL characters escaped (PostgreSQL text refuses them). */
export function payloadText(payload: Buffer, maxBytes: number): string {
  const text =
    payload.length > maxBytes
      ? `${payload.subarray(0, 1024).toString("utf8")}… [truncated: ${payload.length} bytes]`
      : payload.toString("utf8");
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text;
}
