import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { SecretKey } from "../secret-key.ts";
import { changeKey, DatabaseKeyError, openSqliteKeyed, sqliteFileState } from "./sqlite-cipher.ts";

/**
 * `hom encrypt` and `hom rekey` (docs/security.md, "Encrypting an existing database", "Rotating the key").
 * Both work on a copy and swap it in only when it is proven good:
 *   1. a consistent copy of the database (`VACUUM INTO`) next to it, `<file>.rekey-tmp`;
 *   2. the copy is encrypted with the new key (`pragma rekey`);
 *   3. the copy is opened with the new key, checked (`integrity_check`) and its row counts compared
 *      with the original, table by table;
 *   4. it is written to disk (fsync) and renamed over the original: one atomic step.
 * Interrupted before 4, the original is untouched and a leftover copy is deleted by the next run;
 * after 4, the next run finds the database already under the new key and says so. They run offline:
 * a running server is detected by its pid file and refused.
 */

export type RekeyOutcome = "done" | "already" | "absent";

/** The pid file the server keeps next to the SQLite database while it runs. */
export function pidFile(databaseFile: string): string {
  return `${databaseFile}.pid`;
}

/** Writes the pid file; the caller removes it on exit. */
export function claimDatabase(databaseFile: string): () => void {
  const file = pidFile(databaseFile);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (readFileSync(file, "utf8") === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}

/** The pid of a live HOM server using the database, if its pid file names a running process. */
export function runningServer(databaseFile: string): number | undefined {
  const file = pidFile(databaseFile);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but someone else's; ESRCH: gone (a stale file from a crash).
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

function refuseWhileRunning(databaseFile: string): void {
  const pid = runningServer(databaseFile);
  if (pid !== undefined) {
    throw new DatabaseKeyError(
      `A HOM server (pid ${pid}) is using ${databaseFile}. Stop it first; this command runs offline.`,
    );
  }
}

const tempFile = (databaseFile: string) => `${databaseFile}.rekey-tmp`;

function removeWithSidecars(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${file}${suffix}`, { force: true });
}

function canOpen(file: string, key: SecretKey): boolean {
  try {
    openSqliteKeyed(file, key).close();
    return true;
  } catch (error) {
    if (error instanceof DatabaseKeyError) return false;
    throw error;
  }
}

function tableCounts(raw: SqliteDatabase): Map<string, number> {
  const tables = raw
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .all([]) as { name: string }[];
  return new Map(
    tables.map(({ name }) => [
      name,
      Number((raw.prepare(`select count(*) as n from "${name.replace(/"/g, '""')}"`).get([]) as { n: number }).n),
    ]),
  );
}

/**
 * Copies `file` (opened with `fromKey`, or plain) to a temporary file encrypted with `toKey`, proves
 * the copy, and swaps it in atomically.
 */
function reencrypt(file: string, fromKey: SecretKey | undefined, toKey: SecretKey): void {
  const temp = tempFile(file);
  removeWithSidecars(temp); // a leftover of an interrupted run is never trusted
  const source = openSqliteKeyed(file, fromKey);
  let expected: Map<string, number>;
  try {
    // Fold the WAL into the file, so that the copy and the counts see every commit.
    source.pragma("wal_checkpoint(TRUNCATE)");
    expected = tableCounts(source);
    // VACUUM INTO writes a consistent copy, encrypted with the source's key (or plain).
    source.prepare("vacuum into ?").run([temp]);
  } finally {
    source.close();
  }

  const copy = openSqliteKeyed(temp, fromKey);
  try {
    copy.pragma("journal_mode = DELETE"); // rekey is not possible in WAL mode
    changeKey(copy, toKey);
  } finally {
    copy.close();
  }

  const check = openSqliteKeyed(temp, toKey);
  try {
    const integrity = check.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") throw new Error(`the encrypted copy failed its integrity check: ${String(integrity)}`);
    const actual = tableCounts(check);
    for (const [table, n] of expected) {
      if (actual.get(table) !== n) throw new Error(`the encrypted copy lost rows of ${table}`);
    }
    check.pragma("journal_mode = WAL"); // as the server runs it
  } finally {
    check.close();
  }

  const fd = openSync(temp, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The source's WAL was checkpointed and removed on close; a stale one must not meet the new file.
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  renameSync(temp, file);
  syncDirectory(path.dirname(file));
}

function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  }
}

/** `hom encrypt`: a plain database becomes encrypted with `key`. */
export function encryptDatabase(file: string, key: SecretKey): RekeyOutcome {
  refuseWhileRunning(file);
  const state = sqliteFileState(file);
  if (state === "absent") {
    removeWithSidecars(tempFile(file));
    return "absent";
  }
  if (state === "encrypted") {
    removeWithSidecars(tempFile(file));
    if (canOpen(file, key)) return "already";
    throw new DatabaseKeyError(
      `The database ${file} is already encrypted, with another key. To change the key, use \`hom rekey\`.`,
    );
  }
  reencrypt(file, undefined, key);
  return "done";
}

/** `hom rekey`: the database moves from `oldKey` to `newKey`. */
export function rekeyDatabase(file: string, oldKey: SecretKey, newKey: SecretKey): RekeyOutcome {
  refuseWhileRunning(file);
  if (oldKey.equals(newKey)) throw new DatabaseKeyError("The new key is the same as the current key.");
  const state = sqliteFileState(file);
  if (state === "absent") return "absent";
  if (state === "plain") {
    throw new DatabaseKeyError(`The database ${file} is not encrypted yet: run \`hom encrypt\` first.`);
  }
  if (canOpen(file, newKey)) {
    // An earlier run finished the swap: nothing left to do.
    removeWithSidecars(tempFile(file));
    return "already";
  }
  reencrypt(file, oldKey, newKey);
  return "done";
}
