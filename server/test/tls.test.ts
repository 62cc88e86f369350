import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createTestApp, forEachBackend, type TestApp } from "./helpers.ts";

/** HTTPS served by HOM itself (HOM_TLS_CERT/HOM_TLS_KEY): HTTP/2 and HTTP/1.1 on one port. */
forEachBackend("TLS", (backend) => {
  let t: TestApp;
  let dir: string;
  let ca: Buffer;
  let port: number;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hom-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    ca = readFileSync(path.join(dir, "cert.pem"));
    t = await createTestApp(backend, {
      HOM_TLS_CERT: path.join(dir, "cert.pem"),
      HOM_TLS_KEY: path.join(dir, "key.pem"),
    });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("HTTP/1.1 over TLS answers, with HSTS", async () => {
    const res = await new Promise<{ status: number; version: string; hsts?: string; body: string }>(
      (resolve, reject) => {
        https
          .get({ host: "127.0.0.1", port, path: "/healthz", ca }, (r) => {
            let body = "";
            r.on("data", (c) => (body += c));
            r.on("end", () =>
              resolve({
                status: r.statusCode!,
                version: r.httpVersion,
                hsts: r.headers["strict-transport-security"] as string,
                body,
              }),
            );
          })
          .on("error", reject);
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.version, "1.1");
    assert.match(res.hsts ?? "", /max-age=\d+/);
  });

  test("HTTP/2 answers the API on the same port", async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
    try {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ":path": "/api/v1/me", authorization: t.adminAuth.authorization });
        let status = 0;
        let body = "";
        req.on("response", (headers) => (status = Number(headers[":status"])));
        req.on("data", (c) => (body += c));
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
        req.end();
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(JSON.parse(res.body).username, "admin");
    } finally {
      session.close();
    }
  });

  test("plain HTTP on the TLS port is not served", async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });
});
