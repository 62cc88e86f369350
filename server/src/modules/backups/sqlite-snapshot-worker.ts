import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { applyKeyHex } from "../../db/sqlite-cipher.ts";

/**
 * Copies the live SQLite database to `target` in a worker thread, so the server keeps
 * answering meanwhile. `VACUUM INTO` reads inside one read transaction: with WAL, writers go on
 * and the copy is the database as of one instant, compacted. An encrypted database is opened with
 * its derived key (`keyHex`), and the copy is encrypted with that same key.
 */
const { source, target, keyHex } = workerData as { source: string; target: string; keyHex?: string };
const db = new SqliteDatabase(source, { fileMustExist: true });
try {
  if (keyHex) applyKeyHex(db, keyHex);
  db.pragma("busy_timeout = 10000");
  db.prepare("VACUUM INTO ?").run([target]);
  parentPort!.postMessage({ ok: true });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
} finally {
  db.close();
}
