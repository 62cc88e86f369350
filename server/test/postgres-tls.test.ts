import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { after, before, describe, test } from "node:test";
import { ConfigError, loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/index.ts";
import { pgConnection } from "../src/db/postgres-tls.ts";
import { BACKENDS, TEST_PG_URL, createTestEnv, hom } from "./helpers.ts";

/** A CA, a server certificate for localhost signed by it, and one for another host name (openssl CLI). */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=HOM test CA", "-days", "2");
  for (const [name, san] of [
    ["localhost", "DNS:localhost,IP:127.0.0.1"],
    ["other", "DNS:db.other.example"],
  ]) {
    run("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    run(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  }
  return {
    ca: path.join(dir, "ca.crt"),
    localhost: { cert: path.join(dir, "localhost.crt"), key: path.join(dir, "localhost.key") },
    other: { cert: path.join(dir, "other.crt"), key: path.join(dir, "other.key") },
  };
}

/**
 * Just enough of a PostgreSQL server to answer the SSLRequest with "S" and do the TLS handshake:
 * it records whether the handshake completed and whether any plaintext came after the SSLRequest.
 */
async function fakeTlsServer(cert: { cert: string; key: string }) {
  const seen = { handshakes: 0, plaintextAfterSslRequest: 0 };
  const server = net.createServer((socket) => {
    socket.once("data", (first) => {
      const isSslRequest = first.length >= 8 && first.readInt32BE(4) === 80877103;
      if (!isSslRequest) {
        seen.plaintextAfterSslRequest += 1;
        socket.destroy();
        return;
      }
      if (first.length > 8) seen.plaintextAfterSslRequest += 1;
      socket.on("data", () => (seen.plaintextAfterSslRequest += 1));
      socket.write("S", () => {
        socket.removeAllListeners("data");
        const secure = new tls.TLSSocket(socket, {
          isServer: true,
          cert: readFileSync(cert.cert),
          key: readFileSync(cert.key),
        });
        secure.on("secure", () => {
          seen.handshakes += 1;
          secure.destroy(); // a real server would now read the startup message
        });
        secure.on("error", () => secure.destroy());
      });
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { seen, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function connectError(url: string): Promise<string> {
  try {
    const db = await openDatabase({ kind: "postgres", url, poolSize: 1 });
    await db.close();
    return "connected";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("PostgreSQL TLS parameters", () => {
  test("each sslmode maps to libpq's meaning; TLS parameters leave the connection string", () => {
    const base = "postgres://hom:pw@db.plant.local:5432/hom";
    assert.equal(pgConnection(base).ssl, false);
    assert.equal(pgConnection(`${base}?sslmode=disable`).ssl, false);
    const require = pgConnection(`${base}?sslmode=require`);
    assert.deepEqual(require.ssl, { rejectUnauthorized: false });
    assert.equal(require.connectionString, base);
    const full = pgConnection(`${base}?sslmode=verify-full&application_name=hom`);
    assert.ok(full.ssl);
    assert.equal(full.ssl.rejectUnauthorized, true);
    assert.equal(full.ssl.checkServerIdentity, undefined, "verify-full keeps the host-name check");
    assert.equal(full.connectionString, `${base}?application_name=hom`);
    const ca = pgConnection(`${base}?sslmode=verify-ca`);
    assert.ok(ca.ssl && ca.ssl.rejectUnauthorized === true && typeof ca.ssl.checkServerIdentity === "function");
  });

  test("unknown or fall-back modes, missing files and half a client certificate are configuration errors", () => {
    const problems = (url: string) => {
      try {
        loadConfig({ HOM_DATA_DIR: "/tmp/hom-tls-check", DATABASE_URL: url });
        return "";
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems.join("\n");
      }
    };
    const base = "postgres://hom:Secret-Pw-77@db/hom";
    assert.match(problems(`${base}?sslmode=prefer`), /may fall back to plain text/);
    assert.match(problems(`${base}?sslmode=secure`), /sslmode must be one of disable, require, verify-ca, verify-full/);
    assert.match(problems(`${base}?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt`), /sslrootcert file not found/);
    assert.match(problems(`${base}?sslmode=verify-full&sslcert=/etc/hostname`), /sslcert and sslkey go together/);
    assert.equal(problems(`${base}?sslmode=verify-full`), "");
    assert.doesNotMatch(problems(`${base}?sslmode=prefer`), /Secret-Pw-77/);
  });
});

describe("PostgreSQL TLS handshakes against a TLS endpoint", () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hom-tls-"));
    certs = makeCertificates(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("verify-full accepts a certificate from the CA naming the host, and nothing else", async () => {
    const good = await fakeTlsServer(certs.localhost);
    const wrongName = await fakeTlsServer(certs.other);
    try {
      const url = (port: number, query: string) => `postgres://hom:pw@localhost:${port}/hom?${query}`;
      // Right CA and name: the handshake completes (the fake server then hangs up).
      const ok = await connectError(url(good.port, `sslmode=verify-full&sslrootcert=${certs.ca}`));
      assert.equal(good.seen.handshakes, 1, ok);
      // No CA given: the test CA is not a system CA, so the certificate is refused.
      const unknownCa = await connectError(url(good.port, "sslmode=verify-full"));
      assert.match(
        unknownCa,
        /Cannot connect to PostgreSQL at hom@localhost:\d+\/hom \(sslmode=verify-full\): .*certificate/,
      );
      assert.equal(good.seen.handshakes, 1);
      // A certificate for another host: verify-full refuses, verify-ca accepts, require does not look.
      const mismatch = await connectError(url(wrongName.port, `sslmode=verify-full&sslrootcert=${certs.ca}`));
      assert.match(mismatch, /does not match certificate's altnames|Hostname\/IP does not match/);
      assert.equal(wrongName.seen.handshakes, 0);
      await connectError(url(wrongName.port, `sslmode=verify-ca&sslrootcert=${certs.ca}`));
      assert.equal(wrongName.seen.handshakes, 1);
      await connectError(url(wrongName.port, "sslmode=require"));
      assert.equal(wrongName.seen.handshakes, 2);
      // Whatever failed, nothing was ever sent in plain text after asking for TLS.
      assert.equal(good.seen.plaintextAfterSslRequest + wrongName.seen.plaintextAfterSslRequest, 0);
      assert.doesNotMatch(unknownCa + mismatch, /:pw@/);
    } finally {
      await good.close();
      await wrongName.close();
    }
  });
});

if (BACKENDS.includes("postgres")) {
  describe("PostgreSQL TLS against the local server (which has no TLS)", () => {
    test("sslmode=verify-full or require fails with a clear error instead of connecting in plain text", async () => {
      const env = await createTestEnv("postgres");
      try {
        for (const mode of ["verify-full", "require"]) {
          const res = await hom(["migrate"], { ...env.env, DATABASE_URL: `${TEST_PG_URL}?sslmode=${mode}` });
          assert.equal(res.code, 1);
          assert.match(
            res.stderr,
            new RegExp(`Cannot connect to PostgreSQL at .*sslmode=${mode}.*does not support SSL`),
          );
        }
        const plain = await hom(["migrate"], { ...env.env, DATABASE_URL: `${TEST_PG_URL}?sslmode=disable` });
        assert.equal(plain.code, 0, plain.stderr);
      } finally {
        await env.cleanup();
      }
    });
  });
}
