import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import sharp from "sharp";
import type { TestApp } from "./helpers.ts";

/** Photo uploads for suites that need a few real photos (key rotation, backups, retention). */

export function form(fields: Record<string, string>, data: Buffer) {
  const boundary = `----hom${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { payload: Buffer.concat(chunks), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

/** A PNG of random pixels: its bytes are found nowhere else. */
export const noisePng = () =>
  sharp(randomBytes(48 * 32 * 3), { raw: { width: 48, height: 32, channels: 3 } })
    .png()
    .toBuffer();

export async function uploadPhotos(t: TestApp, entityId: string, n: number, entityType = "machine"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = form({ entity_type: entityType, entity_id: entityId }, await noisePng());
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/photos",
      payload: body.payload,
      headers: { ...t.adminAuth, ...body.headers },
    });
    assert.equal(res.statusCode, 201, res.body);
    ids.push(res.json().id);
  }
  return ids;
}
