import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { SecretKey } from "../secret-key.ts";

/**
 * SQLite encryption at rest (docs/security.md): better-sqlite3-multiple-ciphers in the SQLCipher
 * format (AES-256-CBC with HMAC-SHA512 per page), keyed with a raw 32-byte key derived from the
 * master key, so SQLCipher's own slow key derivation is skipped. The WAL is encrypted too.
 */

/** Refusal to open the database, with a message meant for the operator (printed without a stack). */
export class DatabaseKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseKeyError";
  }
}

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/** "plain" for an unencrypted SQLite file, "encrypted" for anything else, "absent" for no (or an empty) file. */
export function sqliteFileState(file: string): "absent" | "plain" | "encrypted" {
  if (!existsSync(file) || statSync(file).size === 0) return "absent";
  const header = Buffer.alloc(16);
  const fd = openSync(file, "r");
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.equals(SQLITE_HEADER) ? "plain" : "encrypted";
}

/** The database key derived from the master key, as hex (for a worker thread's own connection). */
export function sqliteKeyHex(key: SecretKey): string {
  return key.derive("sqlite-database").toString("hex");
}

/** The pragma value for a raw key: `x'…'` tells SQLite3MultipleCiphers to use the bytes as they are. */
function rawKey(key: SecretKey): string {
  return `"x'${sqliteKeyHex(key)}'"`;
}

/** Must run before any other statement on the connection. */
export function applyKey(raw: SqliteDatabase, key: SecretKey): void {
  applyKeyHex(raw, sqliteKeyHex(key));
}

/** `applyKey` with the derived key as `sqliteKeyHex` gave it. */
export function applyKeyHex(raw: SqliteDatabase, hex: string): void {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error("a derived database key is 64 hex digits");
  raw.pragma("cipher = 'sqlcipher'");
  raw.pragma(`key = "x'${hex}'"`);
}

/** Re-encrypts the open database with another key (or encrypts a plain one). Not in WAL mode. */
export function changeKey(raw: SqliteDatabase, key: SecretKey): void {
  raw.pragma("cipher = 'sqlcipher'");
  raw.pragma(`rekey = ${rawKey(key)}`);
}

/** Reading the schema is the first access that decrypts a page: a wrong key fails here, not later. */
function readsSchema(raw: SqliteDatabase): boolean {
  try {
    raw.prepare("select count(*) from sqlite_master").get([]);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "SQLITE_NOTADB") return false;
    throw error;
  }
}

/**
 * Opens the SQLite file with the key (if any) and proves the key right before anything else
 * touches the file, so a wrong or missing key never leads to a crash half-way through the start,
 * and never to a new, empty database written over the encrypted one.
 */
export function openSqliteKeyed(file: string, key: SecretKey | undefined): SqliteDatabase {
  const state = sqliteFileState(file);
  if (state === "plain" && key) {
    throw new DatabaseKeyError(
      `The database ${file} is not encrypted, but an encryption key is set (HOM_ENCRYPTION_KEY or HOM_ENCRYPTION_KEY_FILE). ` +
        "Stop HOM and run `hom encrypt` to encrypt it, or unset the key. Nothing was changed.",
    );
  }
  if (state === "encrypted" && !key) {
    throw new DatabaseKeyError(
      `The database ${file} is encrypted (or is not a SQLite database). ` +
        "Set HOM_ENCRYPTION_KEY or HOM_ENCRYPTION_KEY_FILE to its key. Nothing was changed.",
    );
  }
  const raw = new SqliteDatabase(file, { fileMustExist: state !== "absent" });
  try {
    if (key) applyKey(raw, key);
    if (!readsSchema(raw)) {
      throw new DatabaseKeyError(
        key
          ? `Cannot open the database ${file} with the configured encryption key: the key is wrong, or the file is damaged. Nothing was changed.`
          : `The database ${file} cannot be read: it is encrypted or is not a SQLite database. Nothing was changed.`,
      );
    }
    return raw;
  } catch (error) {
    raw.close();
    throw error;
  }
}
