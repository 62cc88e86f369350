import { DataType, VariantArrayType, type DataValue } from "node-opcua-client";

/** What one data change notification said, as kept in `integration_events.payload`. */
export interface NotificationPayload {
  source_id: string;
  endpoint_url: string;
  node_id: string;
  value: unknown;
  data_type: string;
  status_code: string;
  source_timestamp: string | null;
  server_timestamp: string | null;
}

export type Reading =
  | { ok: true; total: number; recordedAt: string; payload: NotificationPayload }
  | { ok: false; status: "ignored" | "rejected"; reason: string; error: string; payload: NotificationPayload };

const INTEGER_TYPES = new Set([
  DataType.Byte,
  DataType.SByte,
  DataType.Int16,
  DataType.UInt16,
  DataType.Int32,
  DataType.UInt32,
  DataType.Float,
  DataType.Double,
]);
const EARLIEST = Date.parse("2000-01-01T00:00:00Z");

/**
 * A counter reading from a data change: the value as a number (UInt64/Int64 arrive as
 * [high, low] 32-bit words), read when the server says it was (source timestamp, else server
 * timestamp). A timestamp ahead of this clock or before 2000 (an unset PLC clock) is replaced
 * by the time of receipt, so a drifting PLC neither loses readings nor credits a future mount.
 * Whether the number is a valid total (whole, ≥ 0) is the shot service's question.
 */
export function readingOf(
  dataValue: DataValue,
  source: { id: string; endpoint_url: string; node_id: string },
  receivedAt: Date,
): Reading {
  const variant = dataValue.value;
  const payload: NotificationPayload = {
    source_id: source.id,
    endpoint_url: source.endpoint_url,
    node_id: source.node_id,
    value: plain(variant?.value),
    data_type: variant ? (DataType[variant.dataType] ?? String(variant.dataType)) : "Null",
    status_code: dataValue.statusCode.name,
    source_timestamp: isoOrNull(dataValue.sourceTimestamp),
    server_timestamp: isoOrNull(dataValue.serverTimestamp),
  };
  if (!dataValue.statusCode.isGood()) {
    const error = `status ${dataValue.statusCode.name}: not a usable reading`;
    return { ok: false, status: "ignored", reason: "bad_status", error, payload };
  }
  if (!variant || variant.arrayType !== VariantArrayType.Scalar) {
    const error = "value: must be a single number, not an array";
    return { ok: false, status: "rejected", reason: "not_a_number", error, payload };
  }
  let total: number;
  if (variant.dataType === DataType.UInt64 || variant.dataType === DataType.Int64) {
    const [high, low] = variant.value as [number, number];
    total = high * 2 ** 32 + low;
  } else if (INTEGER_TYPES.has(variant.dataType)) {
    total = variant.value as number;
  } else {
    const error = `value: must be a number, not ${payload.data_type}`;
    return { ok: false, status: "rejected", reason: "not_a_number", error, payload };
  }
  const at = [dataValue.sourceTimestamp, dataValue.serverTimestamp].find(
    (d): d is Date => d instanceof Date && Number.isFinite(d.getTime()) && d.getTime() >= EARLIEST,
  );
  const recordedAt = at && at.getTime() <= receivedAt.getTime() ? at : receivedAt;
  return { ok: true, total, recordedAt: recordedAt.toISOString(), payload };
}

function isoOrNull(date: Date | null | undefined): string | null {
  return date instanceof Date && Number.isFinite(date.getTime()) ? date.toISOString() : null;
}

/** A JSON-safe copy of a variant's value (typed arrays and buffers become plain arrays or text). */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    // Structures (LocalizedText, ExtensionObject …) as their JSON, or a marker when they have none.
    try {
      return JSON.parse(JSON.stringify(value)) as unknown;
    } catch {
      return "(a value that cannot be shown as JSON)";
    }
  }
  return value;
}
