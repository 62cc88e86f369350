import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import S3rver from "s3rver";

/** The bucket of the S3-compatible store tests run against; every app gets its own key prefix in it. */
export const S3_TEST_BUCKET = "hom-test";

// One s3rver per test file, on loopback and a random port, started when a test first asks for it
// and stopped when the file's tests end.
let s3: { server: S3rver; dir: string; endpoint: string } | undefined;
after(async () => {
  if (s3) {
    await s3.server.close();
    rmSync(s3.dir, { recursive: true, force: true });
  }
});

/** The environment that points HOM's photo store at the test s3rver, under `prefix`. */
export async function s3StorageEnv(prefix: string): Promise<Record<string, string>> {
  if (!s3) {
    const dir = mkdtempSync(path.join(tmpdir(), "hom-s3-"));
    const server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: S3_TEST_BUCKET }],
    });
    const { port } = await server.run();
    s3 = { server, dir, endpoint: `http://127.0.0.1:${port}` };
  }
  return {
    HOM_STORAGE: "s3",
    HOM_S3_ENDPOINT: s3.endpoint,
    HOM_S3_BUCKET: S3_TEST_BUCKET,
    HOM_S3_PREFIX: prefix,
    HOM_S3_ACCESS_KEY_ID: "S3RVER",
    HOM_S3_SECRET_ACCESS_KEY: "S3RVER",
  };
}
