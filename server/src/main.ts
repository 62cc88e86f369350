import path from "node:path";
import { parseArgs } from "node:util";
import { systemContext } from "./access/context.ts";
import { isRole, ROLES } from "./access/permissions.ts";
import { buildApp } from "./app.ts";
import { ConfigError, loadConfig, readDotEnv, type Config } from "./config.ts";
import { openDatabase } from "./db/index.ts";
import { claimDatabase, encryptDatabase, rekeyDatabase } from "./db/sqlite-rekey.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { AppError } from "./errors.ts";
import { ArchiveError } from "./modules/backups/tar.ts";
import { RestoreRefused, restoreArchive } from "./modules/backups/archive.ts";
import { ArchiveKeyError } from "./modules/backups/archive-cipher.ts";
import { fileSourcesFor } from "./modules/backups/files.ts";
import { formatReport, runDoctor } from "./modules/ops/doctor.ts";
import { startRuntime } from "./runtime.ts";
import { systemdNotifier } from "./systemd.ts";
import { keyFromEnvironment, keyFromFile, type SecretKey } from "./secret-key.ts";

const USAGE = `Usage: hom <command> [options]

Commands:
  serve                          Start the server (default)
  migrate                        Apply database migrations and exit
  user create --username U --role R [--password P]
                                 Create a user (a random password is printed when none is given;
                                 HOM_USER_PASSWORD is read too, to keep it out of the shell history)
  user passwd --username U [--password P]
                                 Set a user's password (ends their sessions)
  user list                      List users
  audit verify                   Verify the audit hash chain (exit 1 when broken)
  backup [--out DIR]             Write a backup archive (database snapshot, photos, manifest) to
                                 HOM_BACKUP_DIR or DIR, while the server keeps running
  doctor                         Check configuration, storage, database, broker, clock and backups
                                 (exit 1 when something fails; prints no secrets)
  restore FILE [--force] [--key-file F]
                                 Check FILE against its manifest, then restore it into an empty
                                 data dir / PostgreSQL schema (--force: replace what is there); an
                                 encrypted archive needs its key: --key-file F or HOM_ENCRYPTION_KEY
  encrypt                        Encrypt an existing plain SQLite database with HOM_ENCRYPTION_KEY
                                 (or HOM_ENCRYPTION_KEY_FILE); run it with the server stopped
  rekey [--new-key-file F]       Re-encrypt the SQLite database from HOM_ENCRYPTION_KEY to the key in
                                 HOM_NEW_ENCRYPTION_KEY (or the file); then set the new key and start

Roles: ${ROLES.join(", ")}
Configuration comes from the environment and ./.env; see README.md.`;

async function serve(config: Config): Promise<void> {
  // `hom encrypt` / `hom rekey` refuse to run while this pid file names a live server.
  if (config.database.kind === "sqlite") process.on("exit", claimDatabase(config.database.file));
  const runtime = await startRuntime(config);
  const keyProblem = await runtime.services.encryption.keyProblemAtStart();
  if (keyProblem) {
    await runtime.close();
    throw new Error(keyProblem);
  }
  const ctx = systemContext("bootstrap");
  const admin = await runtime.services.users.bootstrapAdmin(ctx, config.adminPassword);
  const app = await buildApp(runtime);
  if (admin.password) {
    // Printed once, on the console only: the log file never sees it.
    process.stdout.write(
      `\n  First start: created user "admin" with password: ${admin.password}\n  Change it after logging in (or set HOM_ADMIN_PASSWORD before the first start).\n\n`,
    );
  } else if (admin.created) {
    app.log.info("first start: created user admin with the password from HOM_ADMIN_PASSWORD");
  }

  const systemd = systemdNotifier();
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    systemd.stopping();
    app.log.info({ signal }, "shutting down: draining requests");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  await app.listen({ port: config.port, host: config.host });
  systemd.ready();
}

async function migrate(config: Config): Promise<void> {
  const db = await openDatabase(config.database);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
  } finally {
    await db.close();
  }
}

async function user(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      username: { type: "string" },
      role: { type: "string" },
      password: { type: "string" },
      "full-name": { type: "string" },
      email: { type: "string" },
    },
  });
  const runtime = await startRuntime(config, { feeds: false });
  try {
    const users = runtime.services.users;
    const ctx = systemContext("cli");
    switch (positionals[0]) {
      case "create": {
        if (!values.username || !values.role) return fail("user create needs --username and --role");
        if (!isRole(values.role)) return fail(`unknown role "${values.role}"; one of ${ROLES.join(", ")}`);
        const given = values.password ?? process.env.HOM_USER_PASSWORD;
        const password = given ?? randomPassword();
        const created = await users.createUnchecked(ctx, {
          username: values.username,
          password,
          role: values.role,
          full_name: values["full-name"] ?? null,
          email: values.email ?? null,
          locale: "en",
          active: true,
        });
        console.log(`Created ${created.username} (${created.role}).`);
        if (!given) console.log(`Password: ${password}`);
        return 0;
      }
      case "passwd": {
        if (!values.username) return fail("user passwd needs --username");
        const given = values.password ?? process.env.HOM_USER_PASSWORD;
        const password = given ?? randomPassword();
        await users.setPassword(ctx, values.username, password);
        console.log(`Password of ${values.username} changed; their sessions were ended.`);
        if (!given) console.log(`Password: ${password}`);
        return 0;
      }
      case "list": {
        const rows = await users.listAll();
        for (const u of rows) {
          console.log(
            `${u.username.padEnd(24)} ${u.role.padEnd(11)} ${u.active ? "active  " : "inactive"} ${u.last_login_at ?? "never logged in"}`,
          );
        }
        return 0;
      }
      default:
        return fail("user needs one of: create, passwd, list");
    }
  } finally {
    await runtime.close();
  }
}

async function audit(config: Config, args: string[]): Promise<number> {
  if (args[0] !== "verify") return fail("audit needs: verify");
  const runtime = await startRuntime(config, { feeds: false });
  try {
    const result = await runtime.services.audit.verify();
    console.log(JSON.stringify(result));
    if (!result.ok) console.error(`Audit chain is BROKEN at entry ${result.first_bad_id ?? "(end of log)"}.`);
    return result.ok ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

async function backup(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: "string" } } });
  const runtime = await startRuntime(config, { feeds: false });
  try {
    const made = await runtime.services.backups.run("cli", {
      outDir: values.out ? path.resolve(values.out) : undefined,
    });
    const file = path.isAbsolute(made.file!) ? made.file! : path.join(config.backup.dir, made.file!);
    const sealed = made.encrypted ? `, encrypted: restoring it needs the key of id ${made.key_id}` : "";
    console.log(`Backup written: ${file} (${made.size_bytes} bytes, sha256 ${made.sha256}${sealed})`);
    return 0;
  } finally {
    await runtime.close();
  }
}

/**
 * `hom encrypt` (SQLite only; PostgreSQL encrypts its own storage, docs/security.md) and `hom rekey`:
 * the SQLite database moves to the new key, then every photo's data key is rewrapped (resumable);
 * on PostgreSQL only the photos move.
 */
async function encryption(config: Config, command: "encrypt" | "rekey", args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { "new-key-file": { type: "string" } } });
  if (config.database.kind !== "sqlite" && command === "encrypt") {
    return fail(
      `${command} applies to the SQLite database only; on PostgreSQL encrypt the database's storage (docs/security.md)`,
    );
  }
  const key = config.encryptionKey;
  if (!key) return fail(`${command} needs HOM_ENCRYPTION_KEY or HOM_ENCRYPTION_KEY_FILE`);
  if (command === "encrypt" && config.database.kind === "sqlite") {
    const file = config.database.file;
    const outcome = encryptDatabase(file, key);
    if (outcome === "done") await auditKeyChange(config, key, "database.encrypt");
    console.log(
      outcome === "done"
        ? `Encrypted ${file}. Keep the key safe: without it the data cannot be read.`
        : outcome === "already"
          ? `${file} is already encrypted with this key; nothing to do.`
          : `No database at ${file} yet; the server creates it encrypted on first start.`,
    );
    return 0;
  }
  const problems: string[] = [];
  const newKey = values["new-key-file"]
    ? keyFromFile(values["new-key-file"], "--new-key-file", problems)
    : keyFromEnvironment(
        { ...readDotEnv(), ...process.env },
        "HOM_NEW_ENCRYPTION_KEY",
        "HOM_NEW_ENCRYPTION_KEY_FILE",
        problems,
      );
  if (problems.length > 0) return fail(problems.join("; "));
  if (!newKey)
    return fail("rekey needs the new key in HOM_NEW_ENCRYPTION_KEY, HOM_NEW_ENCRYPTION_KEY_FILE or --new-key-file");
  let databaseRekeyed = false;
  if (config.database.kind === "sqlite") {
    const file = config.database.file;
    const outcome = rekeyDatabase(file, key, newKey);
    if (outcome === "done") await auditKeyChange(config, newKey, "database.rekey");
    databaseRekeyed = outcome !== "absent";
    console.log(
      outcome === "done"
        ? `Re-encrypted ${file} with the new key.`
        : outcome === "already"
          ? `${file} already uses the new key.`
          : `No database at ${file}; nothing to re-encrypt.`,
    );
    if (outcome === "absent") return 0;
  }
  // On PostgreSQL only photos move; stop every HOM instance first (docs/security.md).
  // Photos (and the rotation record): with the database now under the new key.
  const next: Config = {
    ...config,
    encryptionKey: newKey,
    database: config.database.kind === "sqlite" ? { ...config.database, key: newKey } : config.database,
  };
  const runtime = await startRuntime(next, { feeds: false });
  try {
    const rotation = await runtime.services.encryption.completeOffline(key, newKey, databaseRekeyed);
    console.log(
      `Rewrapped the keys of ${rotation.photos_done} photos (key ${rotation.from_key_id} → ${rotation.to_key_id}). ` +
        "Set HOM_ENCRYPTION_KEY (or its file) to the new key before the next start; keep the old key for backups made before now.",
    );
    return 0;
  } catch (error) {
    console.error(
      `hom: the key rotation stopped: ${error instanceof Error ? error.message : String(error)}. ` +
        "Its progress is kept: run the same command again to finish it.",
    );
    return 1;
  } finally {
    await runtime.close();
  }
}

/** Records the encryption or key change in the audit log (never the key), on the database as it now is. */
async function auditKeyChange(config: Config, key: SecretKey, action: string): Promise<void> {
  if (config.database.kind !== "sqlite") return;
  const runtime = await startRuntime({ ...config, database: { ...config.database, key } }, { feeds: false });
  try {
    await runtime.services.audit.recordAlone(systemContext("cli"), {
      action,
      entity_type: "database",
      entity_id: "sqlite",
      changes: { encrypted: [action === "database.rekey", true], key: ["[redacted]", "[redacted]"] },
    });
  } finally {
    await runtime.close();
  }
}

/** Restores without starting HOM first: starting would create an empty schema in the target. */
async function restore(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { force: { type: "boolean", default: false }, "key-file": { type: "string" } },
  });
  if (positionals.length !== 1) return fail("restore needs one archive file");
  // An encrypted archive opens with --key-file, else with HOM_ENCRYPTION_KEY (or its file).
  let key = config.encryptionKey;
  if (values["key-file"]) {
    const problems: string[] = [];
    key = keyFromFile(values["key-file"], "--key-file", problems);
    if (!key) return fail(problems.join("; "));
  }
  const sources = fileSourcesFor(config);
  try {
    const manifest = await restoreArchive(path.resolve(positionals[0]), {
      database: config.database,
      sources,
      force: values.force,
      key,
      targetKey: config.encryptionKey,
    });
    console.log(
      `Restored the backup of ${manifest.created_at}: ${manifest.database.kind} database (schema ${manifest.database.schema_version}) and ${manifest.files.length - 1} files.`,
    );
    if (manifest.encryption && !config.encryptionKey) {
      console.log(
        `The restored data is encrypted with the archive's key (id ${manifest.encryption.key_id}): start HOM with that key in HOM_ENCRYPTION_KEY or HOM_ENCRYPTION_KEY_FILE.`,
      );
    } else if (manifest.encryption && key && config.encryptionKey && !key.equals(config.encryptionKey)) {
      console.log(
        `The archive's key (id ${manifest.encryption.key_id}) opened it; the restored data now uses HOM_ENCRYPTION_KEY (id ${config.encryptionKey.id()}).`,
      );
    }
    console.log("Start HOM to apply newer migrations, then run `hom audit verify`.");
    return 0;
  } catch (error) {
    if (error instanceof ArchiveError || error instanceof RestoreRefused || error instanceof ArchiveKeyError) {
      console.error(`hom: restore refused: ${error.message}. Nothing was changed.`);
      return 1;
    }
    throw error;
  }
}

async function doctor(config: Config): Promise<number> {
  const checks = await runDoctor(config);
  console.log(formatReport(checks));
  return checks.some((c) => c.status === "fail") ? 1 : 0;
}

function randomPassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url");
}

function fail(message: string): number {
  console.error(`hom: ${message}\n\n${USAGE}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  try {
    switch (command) {
      case "serve":
        await serve(config);
        return -1; // keeps running
      case "migrate":
        await migrate(config);
        return 0;
      case "user":
        return await user(config, rest);
      case "audit":
        return await audit(config, rest);
      case "backup":
        return await backup(config, rest);
      case "restore":
        return await restore(config, rest);
      case "doctor":
        return await doctor(config);
      case "encrypt":
      case "rekey":
        return await encryption(config, command, rest);
      default:
        return fail(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof AppError) {
      const details = error.details.map((d) => `\n  ${d.field}: ${d.message}`).join("");
      console.error(`hom: ${error.message}${details}`);
      return 1;
    }
    console.error(`hom: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
