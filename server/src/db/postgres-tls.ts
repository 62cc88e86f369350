import { existsSync, readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

/**
 * TLS to PostgreSQL from the `sslmode`, `sslrootcert`, `sslcert` and `sslkey` parameters of
 * DATABASE_URL, with libpq's meaning (docs/security.md, "PostgreSQL"). HOM reads them itself and
 * hands node-postgres an explicit `ssl` object, because node-postgres gives these modes meanings of
 * its own (it treats `require` as `verify-full`, with a warning, and may change that).
 *
 * - `disable`: plain TCP.
 * - `require`: TLS, the server's certificate not checked (with `sslrootcert`: checked as `verify-ca`).
 * - `verify-ca`: TLS; the certificate must chain to `sslrootcert` (or a system CA); any host name.
 * - `verify-full`: as `verify-ca`, and the certificate must name the host connected to.
 * `allow` and `prefer` are refused: they fall back to plain text silently, which is what TLS is to prevent.
 * Without `sslmode` the connection is plain, as before.
 */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

const TLS_PARAMETERS = ["sslmode", "sslrootcert", "sslcert", "sslkey"] as const;

export interface PgConnection {
  /** DATABASE_URL without the TLS parameters (node-postgres would otherwise apply its own reading). */
  connectionString: string;
  ssl: false | ConnectionOptions;
  sslMode: SslMode | undefined;
}

/** Problems with the TLS parameters of a DATABASE_URL (files checked for existence), for config validation. */
export function pgTlsProblems(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return []; // the URL check of config.ts reports it
  }
  const problems: string[] = [];
  const mode = parsed.searchParams.get("sslmode");
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) {
    problems.push(
      mode === "allow" || mode === "prefer"
        ? `DATABASE_URL: sslmode=${mode} may fall back to plain text; use sslmode=require, verify-ca or verify-full (or disable)`
        : `DATABASE_URL: sslmode must be one of ${SSL_MODES.join(", ")}`,
    );
  }
  for (const name of ["sslrootcert", "sslcert", "sslkey"]) {
    const file = parsed.searchParams.get(name);
    if (file !== null && !existsSync(file)) problems.push(`DATABASE_URL: ${name} file not found: ${file}`);
  }
  if (Boolean(parsed.searchParams.get("sslcert")) !== Boolean(parsed.searchParams.get("sslkey"))) {
    problems.push("DATABASE_URL: sslcert and sslkey go together");
  }
  if (mode === "disable" && ["sslrootcert", "sslcert"].some((n) => parsed.searchParams.has(n))) {
    problems.push("DATABASE_URL: certificates are given but sslmode=disable turns TLS off");
  }
  return problems;
}

/** The node-postgres connection options for a (validated) DATABASE_URL. */
export function pgConnection(url: string): PgConnection {
  const parsed = new URL(url);
  const param = (name: string) => parsed.searchParams.get(name) ?? undefined;
  const mode = param("sslmode") as SslMode | undefined;
  const ca = param("sslrootcert");
  const cert = param("sslcert");
  const key = param("sslkey");
  for (const name of TLS_PARAMETERS) parsed.searchParams.delete(name);
  const connectionString = parsed.toString();
  if (mode === undefined || mode === "disable") return { connectionString, ssl: false, sslMode: mode };

  const ssl: ConnectionOptions = {
    ...(ca ? { ca: readFileSync(ca, "utf8") } : {}),
    ...(cert && key ? { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") } : {}),
  };
  const verifyChain = mode === "verify-ca" || mode === "verify-full" || (mode === "require" && ca !== undefined);
  ssl.rejectUnauthorized = verifyChain;
  // verify-ca checks the chain only; verify-full keeps Node's host-name check (the default).
  if (verifyChain && mode !== "verify-full") ssl.checkServerIdentity = () => undefined;
  return { connectionString, ssl, sslMode: mode };
}

/** Where a connection goes, for error messages: never the password. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const mode = u.searchParams.get("sslmode");
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}${u.pathname}${mode ? ` (sslmode=${mode})` : ""}`;
  } catch {
    return "the configured server";
  }
}
