import { createHash, hkdfSync, scryptSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { inspect } from "node:util";

/**
 * The master key of encryption at rest (HOM_ENCRYPTION_KEY / HOM_ENCRYPTION_KEY_FILE, docs/security.md).
 * Accepted forms:
 * - 64 hexadecimal digits (32 bytes), e.g. `openssl rand -hex 32`;
 * - base64 or base64url of exactly 32 bytes, e.g. `openssl rand -base64 32`;
 * - any other text of at least 16 characters: a passphrase, stretched with scrypt.
 * Every use derives its own key from it (HKDF with a purpose label), so the SQLite key, photo
 * keys and backup keys never equal each other or the master key.
 *
 * The bytes never show in logs, JSON or `console.log`: the object prints as `[SecretKey]`.
 */
export class SecretKey {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    if (bytes.length !== 32) throw new Error("a master key has 32 bytes");
    this.#bytes = Buffer.from(bytes);
  }

  /** A 32-byte key for one purpose (`sqlite-database`, `photos`, `backups` …), the same on every call. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.#bytes, Buffer.alloc(0), `hom/${purpose}/v1`, 32));
  }

  /**
   * A short public fingerprint (16 hex digits) naming this key in backup manifests, rotation
   * records and messages ("this archive needs key 3f2a…"); it reveals nothing about the key.
   */
  id(): string {
    return createHash("sha256").update(this.derive("key-id")).digest("hex").slice(0, 16);
  }

  /** Whether two keys are the same (for `hom rekey`, which refuses a "new" key equal to the old). */
  equals(other: SecretKey): boolean {
    return other.derive("compare").equals(this.derive("compare"));
  }

  toJSON(): string {
    return "[SecretKey]";
  }

  toString(): string {
    return "[SecretKey]";
  }

  [inspect.custom](): string {
    return "[SecretKey]";
  }
}

export const KEY_FORMAT_HINT = "must be 64 hex digits, base64 of 32 bytes, or a passphrase of at least 16 characters";

/** Fixed salt: the passphrase is the installation's secret; the salt only separates HOM from other uses. */
const PASSPHRASE_SALT = "hom/master-key-passphrase/v1";

/** The key in one of the accepted forms, or a message saying what is wrong (never echoing the value). */
export function parseSecretKey(text: string): SecretKey | string {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return new SecretKey(Buffer.from(value, "hex"));
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === 32) return new SecretKey(bytes);
  }
  if (value.length >= 16) {
    // ~100 ms on x64, under a second on a Pi 4: paid once per start.
    return new SecretKey(scryptSync(value, PASSPHRASE_SALT, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }));
  }
  return KEY_FORMAT_HINT;
}

/**
 * Reads the master key from a variable or a file variable (one config parsing for both, and for
 * `hom rekey`'s new key). Returns undefined when neither is set; problems go to `problems`.
 */
export function keyFromEnvironment(
  environment: NodeJS.ProcessEnv,
  valueVariable: string,
  fileVariable: string,
  problems: string[],
): SecretKey | undefined {
  const value = environment[valueVariable] || undefined;
  const file = environment[fileVariable] || undefined;
  if (value && file) {
    problems.push(`${fileVariable}: set either ${valueVariable} or ${fileVariable}, not both`);
    return undefined;
  }
  if (file) return keyFromFile(file, fileVariable, problems);
  if (!value) return undefined;
  const parsed = parseSecretKey(value);
  if (typeof parsed === "string") {
    problems.push(`${valueVariable}: ${parsed}`);
    return undefined;
  }
  return parsed;
}

/** The key in a file (trailing newline ignored), e.g. a Docker secret or a systemd credential. */
export function keyFromFile(file: string, label: string, problems: string[]): SecretKey | undefined {
  if (!existsSync(file)) {
    problems.push(`${label}: file not found: ${file}`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    problems.push(`${label}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
    return undefined;
  }
  const parsed = parseSecretKey(text);
  if (typeof parsed === "string") {
    problems.push(`${label}: the key in ${file} ${parsed}`);
    return undefined;
  }
  return parsed;
}
