import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { ConfigError, loadConfig, readDotEnv } from "../src/config.ts";

describe("config", () => {
  test("defaults follow SPEC §11", () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.dataDir, path.resolve("./data"));
    assert.deepEqual(config.database, { kind: "sqlite", file: path.resolve("./data/hom.sqlite") });
    assert.equal(config.allowSignup, false);
    assert.deepEqual(config.corsOrigins, []);
  });

  test("PostgreSQL when DATABASE_URL is a postgres URL", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://hom@db:5432/hom", HOM_DB_POOL_SIZE: "4" });
    assert.deepEqual(config.database, {
      kind: "postgres",
      url: "postgres://hom@db:5432/hom",
      schema: undefined,
      poolSize: 4,
    });
  });

  test("every bad value is reported at once, by name, without echoing secrets", () => {
    try {
      loadConfig({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        HOM_ALLOW_SIGNUP: "maybe",
        HOM_JWT_SECRET: "short-secret",
        HOM_CORS_ORIGINS: "https://ok.example,not an origin",
        HOM_TLS_CERT: "/nonexistent/cert.pem",
        HOM_LOG_LEVEL: "loud",
      });
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.message;
      for (const name of [
        "PORT",
        "DATABASE_URL",
        "HOM_ALLOW_SIGNUP",
        "HOM_JWT_SECRET",
        "HOM_CORS_ORIGINS",
        "HOM_TLS_KEY",
        "HOM_TLS_CERT",
        "HOM_LOG_LEVEL",
      ]) {
        assert.match(text, new RegExp(`${name}:`), name);
      }
      assert.match(text, /PORT: must be a whole number from 0 to 65535 \(got "eighty"\)/);
      assert.doesNotMatch(text, /short-secret/);
    }
  });

  test(".env is read from the working directory; the environment wins", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hom-env-"));
    const file = path.join(dir, ".env");
    writeFileSync(file, "PORT=9000\nHOST=0.0.0.0\n# comment\nHOM_ALLOW_SIGNUP=true\n");
    const fromFile = readDotEnv(file);
    const config = loadConfig({ ...fromFile, ...{ PORT: "9100" } });
    assert.equal(config.port, 9100);
    assert.equal(config.host, "0.0.0.0");
    assert.equal(config.allowSignup, true);
    assert.deepEqual(readDotEnv(path.join(dir, "missing.env")), {});
  });
});
