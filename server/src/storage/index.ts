import type { StorageConfig } from "../config.ts";
import { LocalStore } from "./local.ts";

/**
 * Where binary objects (photos, later backups) live: one small interface, a local directory by
 * default or an S3-compatible bucket. Objects are whole buffers: photos are at most a few tens of
 * MB, and an encrypted object must be read completely (its tag checked) before any of it is served.
 */
export interface ObjectStore {
  readonly kind: StorageConfig["kind"];
  /** Writes the object completely or not at all; an existing object is replaced. */
  put(key: string, data: Buffer): Promise<void>;
  /** The object, or null when there is none under this key. */
  get(key: string): Promise<Buffer | null>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every object (key and size), in key order; for backups and key rotation. */
  list(): AsyncIterable<{ key: string; size: number }>;
}

/**
 * Keys are made by the server (`photos/<uuid>/original`), never from a client's file name; this
 * check keeps it that way: lower-case letters, digits, `-`, `_`, `.` in `/`-separated segments,
 * no empty, `.` or `..` segment.
 */
const KEY = /^[a-z0-9_-][a-z0-9._-]*(\/[a-z0-9_-][a-z0-9._-]*)*$/;

export function assertObjectKey(key: string): void {
  if (!KEY.test(key) || key.length > 512 || key.split("/").some((s) => s === "." || s === "..")) {
    throw new Error(`Invalid object key: ${JSON.stringify(key)}`);
  }
}

export function createObjectStore(config: StorageConfig): ObjectStore {
  return config.kind === "s3" ? lazyS3Store(config) : new LocalStore(config.dir);
}

/** The AWS SDK is large (≈ 15 MB resident): it is loaded with the first object, not at start. */
function lazyS3Store(config: Extract<StorageConfig, { kind: "s3" }>): ObjectStore {
  let store: Promise<ObjectStore> | undefined;
  const s3 = () => (store ??= import("./s3.ts").then(({ S3Store }) => new S3Store(config)));
  return {
    kind: "s3",
    put: async (key, data) => (await s3()).put(key, data),
    get: async (key) => (await s3()).get(key),
    delete: async (key) => (await s3()).delete(key),
    exists: async (key) => (await s3()).exists(key),
    async *list() {
      yield* (await s3()).list();
    },
  };
}
