import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { startRuntime } from "../src/runtime.ts";
import { createObjectStore } from "../src/storage/index.ts";
import {
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  rowCount,
  type TestApp,
} from "./helpers.ts";
import { s3StorageEnv } from "./s3-helpers.ts";

const KEY = randomBytes(32).toString("hex");
const OTHER_KEY = randomBytes(32).toString("base64");
const MAX_BYTES = 150_000;
async function storageEnv(storage: "local" | "s3", encrypted: boolean): Promise<Record<string, string>> {
  const env: Record<string, string> = { HOM_PHOTO_MAX_BYTES: String(MAX_BYTES) };
  if (encrypted) env.HOM_ENCRYPTION_KEY = KEY;
  if (storage === "s3") Object.assign(env, await s3StorageEnv(`t-${randomBytes(6).toString("hex")}`));
  return env;
}

/** A multipart/form-data body as a browser sends it. */
function form(fields: Record<string, string>, file?: { name?: string; data: Buffer; type?: string }) {
  const boundary = `----hom${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name ?? "photo.jpg"}"\r\n` +
          `Content-Type: ${file.type ?? "image/jpeg"}\r\n\r\n`,
      ),
      file.data,
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

/** A 64×48 JPEG turned on its side (EXIF orientation 6), with a capture time and a GPS position. */
const cameraJpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#3366aa" } })
  .jpeg()
  .withExif({
    IFD0: { Make: "TestCam" },
    IFD2: { DateTimeOriginal: "2025:06:01 10:20:30", OffsetTimeOriginal: "+02:00" },
    IFD3: { GPSLatitudeRef: "N", GPSLatitude: "50/1 3/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "19/1 56/1 0/1" },
  })
  .withMetadata({ orientation: 6 })
  .toBuffer();
const noiseJpeg = await sharp(randomBytes(200 * 150 * 3), { raw: { width: 200, height: 150, channels: 3 } })
  .jpeg({ quality: 95 })
  .toBuffer();
const png = await sharp({ create: { width: 40, height: 30, channels: 4, background: "#00ff0080" } })
  .png()
  .toBuffer();
const webp = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#ff00ff" } })
  .webp()
  .toBuffer();

/** A valid PNG header claiming 30000×30000 pixels (a decompression bomb would look like this). */
function hugePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30000, 0);
  ihdr.writeUInt32BE(30000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(30001 * 3))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheic\0\0\0\0mif1heic"), randomBytes(64)]);
const sixtyMb = Buffer.alloc(60 * 1_048_576, 0xab);

for (const storage of ["local", "s3"] as const) {
  for (const encrypted of [false, true]) {
    forEachBackend(`photos on ${storage}, ${encrypted ? "encrypted" : "in the clear"}`, (backend) => {
      let t: TestApp;
      let machineId: string;
      let operator: Awaited<ReturnType<TestApp["userWithRole"]>>;
      let api: ReturnType<typeof restClient>;
      const store = () => createObjectStore(t.testEnv.config.storage);

      const upload = async (
        file: { name?: string; data: Buffer; type?: string } | undefined,
        fields: Record<string, string> = {},
        auth: Record<string, string> = operator.auth,
      ) => {
        const body = form({ entity_type: "machine", entity_id: machineId, ...fields }, file);
        const res = await t.app.inject({
          method: "POST",
          url: "/api/v1/photos",
          headers: { ...auth, ...body.headers },
          payload: body.payload,
        });
        return { status: res.statusCode, body: res.json() };
      };
      const get = (url: string, headers: Record<string, string> = {}) =>
        t.app.inject({ method: "GET", url, headers: { ...operator.auth, ...headers } });

      /** The objects stored for this app, straight from the disk or the bucket. */
      const storedObjects = async (): Promise<string[]> => {
        const config = t.testEnv.config.storage;
        if (config.kind === "local") {
          try {
            return readdirSync(config.dir, { recursive: true, withFileTypes: true })
              .filter((e) => e.isFile())
              .map((e) => path.relative(config.dir, path.join(e.parentPath, e.name)));
          } catch {
            return [];
          }
        }
        const client = new S3Client({
          endpoint: config.endpoint,
          region: config.region,
          forcePathStyle: true,
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
        const listed = await client.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: config.prefix }));
        return (listed.Contents ?? []).map((o) => o.Key!.slice(config.prefix.length));
      };

      before(async () => {
        t = await createTestApp(backend, await storageEnv(storage, encrypted));
        machineId = (await createLineWithMachines(t)).machines[0].id;
        operator = await t.userWithRole("operator");
        api = restClient(t.app, operator.auth);
      });
      after(() => t.close());

      test("an upload is oriented, stripped of location, thumbnailed and served with caching headers", async () => {
        const auditBefore = await auditCount(t.runtime, "photo.create");
        const res = await upload({ data: cameraJpeg }, { caption: "Crack at gate", angle: "cavity" });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const photo = res.body;
        assert.equal(photo.width, 48, "EXIF orientation 6 turns 64×48 upright");
        assert.equal(photo.height, 64);
        assert.equal(photo.taken_at, "2025-06-01T08:20:30.000Z", "DateTimeOriginal with its +02:00 offset");
        assert.equal(photo.sha256, createHash("sha256").update(cameraJpeg).digest("hex"));
        assert.equal(photo.url, `/api/v1/photos/${photo.id}/original`);
        assert.equal(photo.thumbnail_url, `/api/v1/photos/${photo.id}/thumbnail`);
        assert.equal(photo.caption, "Crack at gate");
        assert.equal(photo.angle, "cavity");
        assert.equal(await auditCount(t.runtime, "photo.create"), auditBefore + 1);

        const meta = await api.get(`/api/v1/photos/${photo.id}`);
        assert.equal(meta.status, 200);
        assert.equal(meta.body.entity_id, machineId);
        assert.deepEqual(meta.body.annotations, []);

        for (const [url, max] of [
          [photo.url, 64],
          [photo.thumbnail_url, 320],
          [`/api/v1/photos/${photo.id}/display`, 1600],
          [`/api/v1/photos/${photo.id}/file?variant=thumb`, 320],
        ] as const) {
          const image = await get(url);
          assert.equal(image.statusCode, 200, url);
          assert.equal(image.headers["content-type"], "image/jpeg");
          assert.match(String(image.headers["cache-control"]), /^private/);
          const info = await sharp(image.rawPayload).metadata();
          assert.equal(info.width, 48, url);
          assert.equal(info.height, 64, url);
          assert.ok(Math.max(info.width, info.height) <= max);
          assert.equal(info.exif, undefined, `${url} carries no EXIF (no GPS)`);
          assert.ok(!info.orientation || info.orientation === 1);
          const again = await get(url, { "if-none-match": String(image.headers.etag) });
          assert.equal(again.statusCode, 304);
          assert.equal(again.rawPayload.length, 0);
        }

        const objects = (await storedObjects()).filter((k) => k.includes(photo.id)).sort();
        assert.deepEqual(objects, [
          `photos/${photo.id}/display`,
          `photos/${photo.id}/original`,
          `photos/${photo.id}/thumb`,
        ]);
        const stored = (await store().get(`photos/${photo.id}/original`))!;
        if (encrypted) {
          assert.equal(stored.subarray(0, 4).toString(), "HOMX", "sealed on disk");
          assert.ok(!stored.includes(Buffer.from("TestCam")));
        } else {
          assert.deepEqual([...stored.subarray(0, 3)], [0xff, 0xd8, 0xff]);
        }
      });

      test("PNG and WebP are accepted and kept in their format", async () => {
        for (const [data, format, type] of [
          [png, "png", "image/png"],
          [webp, "webp", "image/webp"],
        ] as const) {
          const res = await upload({ data, name: `x.${format}`, type });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          assert.equal(res.body.format, format);
          assert.equal(res.body.taken_at, null);
          const original = await get(res.body.url);
          assert.equal(original.headers["content-type"], type);
          assert.equal((await sharp(original.rawPayload).metadata()).format, format);
        }
      });

      test("a failure report and an action take photos too, listed on their record", async () => {
        const code = (await api.get("/api/v1/failure-codes")).body.items[0];
        const report = await api.post("/api/v1/failure-reports", { machine_id: machineId, failure_code_id: code.id });
        assert.equal(report.status, 201, JSON.stringify(report.body));
        // Operators report failures; actions are made by technicians and up.
        const action = await restClient(t.app, t.adminAuth).post("/api/v1/actions", {
          title: "Replace the ejector pin",
          failure_report_id: report.body.id,
        });
        assert.equal(action.status, 201, JSON.stringify(action.body));
        for (const [type, id] of [
          ["failure_report", report.body.id],
          ["action", action.body.id],
        ]) {
          const res = await upload(
            { data: png, name: "x.png", type: "image/png" },
            { entity_type: type, entity_id: id },
          );
          assert.equal(res.status, 201, JSON.stringify(res.body));
          const listed = await api.get(`/api/v1/photos?entity_type=${type}&entity_id=${id}`);
          assert.deepEqual(
            listed.body.items.map((p: { id: string }) => p.id),
            [res.body.id],
          );
          const field = type === "action" ? "action" : "failureReport";
          const read = await graphql(t.app, `{ ${field}(id: "${id}") { photos { id } } }`, {}, operator.auth);
          assert.deepEqual(read.body.data?.[field].photos, [{ id: res.body.id }], JSON.stringify(read.body));
        }
      });

      test("bad files are refused with a clear 4xx and store nothing", async () => {
        const viewer = await t.userWithRole("viewer");
        const rowsBefore = await rowCount(t.runtime, "photos");
        const auditBefore = await auditCount(t.runtime);
        const objectsBefore = (await storedObjects()).length;
        const cases: [string, Awaited<ReturnType<typeof upload>>, number, string][] = [
          [
            "text renamed .jpg",
            await upload({ name: "notes.jpg", data: Buffer.from("just some text\n") }),
            415,
            "unsupported_format",
          ],
          [
            "HTML with JPEG magic",
            await upload({
              data: Buffer.concat([
                Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
                Buffer.from("<html><script>alert(1)</script></html>"),
              ]),
            }),
            422,
            "corrupt_image",
          ],
          [
            "truncated JPEG",
            await upload({ data: noiseJpeg.subarray(0, Math.floor(noiseJpeg.length / 2)) }),
            422,
            "corrupt_image",
          ],
          ["0-byte file", await upload({ data: Buffer.alloc(0) }), 422, "empty_file"],
          [
            "30000×30000 PNG",
            await upload({ name: "bomb.png", data: hugePng(), type: "image/png" }),
            422,
            "too_many_pixels",
          ],
          ["HEIC", await upload({ name: "IMG_0001.HEIC", data: heic, type: "image/heic" }), 415, "unsupported_format"],
          [
            "over the byte limit",
            await upload({ data: Buffer.concat([noiseJpeg, Buffer.alloc(MAX_BYTES)]) }),
            413,
            "too_large",
          ],
          [
            "unknown entity kind",
            await upload({ data: cameraJpeg }, { entity_type: "spaceship" }),
            422,
            "invalid_value",
          ],
          [
            "entity that does not exist",
            await upload({ data: cameraJpeg }, { entity_id: "no-such-machine" }),
            422,
            "not_found",
          ],
          [
            "failure report that does not exist",
            await upload({ data: cameraJpeg }, { entity_type: "failure_report" }),
            422,
            "not_found",
          ],
          [
            "action that does not exist",
            await upload({ data: cameraJpeg }, { entity_type: "action" }),
            422,
            "not_found",
          ],
          ["unknown angle", await upload({ data: cameraJpeg }, { angle: "sideways" }), 422, "invalid_value"],
          ["extra field", await upload({ data: cameraJpeg }, { owner: "me" }), 422, "unknown_field"],
          ["no file", await upload(undefined), 422, "required"],
        ];
        for (const [name, res, status, code] of cases) {
          assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
          assert.ok(
            res.body.error.details.some((d: { code?: string }) => d.code === code),
            `${name}: ${JSON.stringify(res.body)}`,
          );
        }
        const heicRes = cases.find(([name]) => name === "HEIC")![1];
        assert.match(heicRes.body.error.message, /HEIC.*JPEG, PNG or WebP/);

        // 60 MB is refused from its Content-Length, before the body is read.
        const big = form({ entity_type: "machine", entity_id: machineId }, { data: sixtyMb });
        const huge = await t.app.inject({
          method: "POST",
          url: "/api/v1/photos",
          headers: { ...operator.auth, ...big.headers },
          payload: big.payload,
        });
        assert.equal(huge.statusCode, 413);
        assert.equal(huge.json().error.code, "PAYLOAD_TOO_LARGE");

        // JSON to the upload route, and a file to a JSON route.
        const json = await api.post("/api/v1/photos", { entity_type: "machine", entity_id: machineId, file: "AAAA" });
        assert.equal(json.status, 415);
        const wrongRoute = form({}, { data: cameraJpeg });
        const toLines = await t.app.inject({
          method: "POST",
          url: "/api/v1/lines",
          headers: { ...t.adminAuth, ...wrongRoute.headers },
          payload: wrongRoute.payload,
        });
        assert.equal(toLines.statusCode, 415);

        assert.equal((await upload({ data: cameraJpeg }, {}, viewer.auth)).status, 403);
        assert.equal((await upload({ data: cameraJpeg }, {}, {})).status, 401);

        assert.equal(await rowCount(t.runtime, "photos"), rowsBefore);
        assert.equal(await auditCount(t.runtime), auditBefore);
        assert.equal((await storedObjects()).length, objectsBefore, "no object left behind");
      });

      test("a polyglot keeps its image and loses what was appended; a traversal file name is only a name", async () => {
        const appended = Buffer.concat([
          noiseJpeg,
          Buffer.from("PK\x03\x04"),
          randomBytes(32),
          Buffer.from("<html><script>alert(1)</script></html>"),
        ]);
        const polyglot = await upload({ name: "poly.jpg", data: appended });
        assert.equal(polyglot.status, 201, JSON.stringify(polyglot.body));
        assert.equal(polyglot.body.sha256, createHash("sha256").update(appended).digest("hex"));
        for (const url of [polyglot.body.url, `/api/v1/photos/${polyglot.body.id}/display`]) {
          const served = (await get(url)).rawPayload;
          assert.ok(!served.includes(Buffer.from("<html")), url);
          assert.ok(!served.includes(Buffer.from("PK\x03\x04")), url);
        }

        for (const name of ["../../../../etc/passwd.jpg", "..\\..\\evil.jpg", "/tmp/abs.jpg", "a/../../b.jpg"]) {
          const res = await upload({ name, data: cameraJpeg });
          assert.equal(res.status, 201, name);
          assert.ok(!JSON.stringify(res.body).includes("passwd"));
          const keys = (await storedObjects()).filter((k) => k.includes(res.body.id));
          assert.equal(keys.length, 3);
          for (const key of keys) assert.match(key, /^photos\/[0-9a-f-]{36}\/(original|display|thumb)$/);
        }
        if (storage === "local") {
          const dir = t.testEnv.config.dataDir;
          const everything = readdirSync(dir, { recursive: true }).map(String);
          assert.ok(!everything.some((f) => /passwd|evil|abs\.jpg|b\.jpg/.test(f)), everything.join(", "));
        }
      });

      test("annotations are validated, stored beside the untouched image and rendered onto it", async () => {
        const photo = (await upload({ data: png, name: "plain.png", type: "image/png" })).body;
        const originalBefore = (await get(photo.url)).rawPayload;
        const display = await get(photo.display_url);
        const shapes = [
          { kind: "rectangle", x: 0.1, y: 0.1, width: 0.5, height: 0.5, color: "#ff0000", stroke_width: 50 },
          { kind: "arrow", x1: 0, y1: 0, x2: 1, y2: 1 },
          { kind: "circle", x: 0.5, y: 0.5, r: 0.2, color: "#0000ff" },
          {
            kind: "freehand",
            points: [
              [0, 0],
              [0.5, 0.2],
              [1, 1],
            ],
          },
          { kind: "text", x: 0.1, y: 0.9, text: `</text><script>alert("x")</script>&amp; <svg onload=1>` },
        ];
        const bad: [string, unknown][] = [
          ["unknown kind", [{ kind: "hexagon", x: 0.1, y: 0.1 }]],
          ["huge coordinate", [{ kind: "circle", x: 1e9, y: 0.5, r: 0.1 }]],
          ["negative coordinate", [{ kind: "arrow", x1: -5, y1: 0, x2: 1, y2: 1 }]],
          ["rectangle outside", [{ kind: "rectangle", x: 0.9, y: 0.1, width: 0.5, height: 0.1 }]],
          ["not a number", [{ kind: "circle", x: "0.5", y: 0.5, r: 0.1 }]],
          ["bad colour", [{ kind: "circle", x: 0.5, y: 0.5, r: 0.1, color: "red;}" }]],
          ["extra field", [{ kind: "circle", x: 0.5, y: 0.5, r: 0.1, onclick: "x" }]],
          ["too many shapes", Array.from({ length: 101 }, () => ({ kind: "circle", x: 0.5, y: 0.5, r: 0.1 }))],
          ["too many points", [{ kind: "freehand", points: Array.from({ length: 1001 }, () => [0.5, 0.5]) }]],
          ["not a list", "everything"],
        ];
        for (const [name, value] of bad) {
          const res = await t.app.inject({
            method: "PUT",
            url: `/api/v1/photos/${photo.id}/annotations`,
            headers: operator.auth,
            payload: { shapes: value },
          });
          assert.equal(res.statusCode, 422, `${name}: ${res.body}`);
          assert.equal(res.json().error.code, "VALIDATION_FAILED");
          assert.ok(res.json().error.details[0].field.startsWith("shapes"), `${name}: ${res.body}`);
        }
        assert.deepEqual((await api.get(`/api/v1/photos/${photo.id}`)).body.annotations, []);

        const unannotated = await get(photo.annotated_url);
        assert.equal(unannotated.statusCode, 200);
        const saved = await t.app.inject({
          method: "PUT",
          url: `/api/v1/photos/${photo.id}/annotations`,
          headers: operator.auth,
          payload: { shapes },
        });
        assert.equal(saved.statusCode, 200, saved.body);
        assert.equal(saved.json().annotations_version, 1);
        assert.equal(saved.json().annotations[1].color, "#ff0000", "defaults filled in");
        assert.equal(saved.json().annotations[4].text, shapes[4].text, "text kept verbatim");
        assert.equal(await auditCount(t.runtime, "photo.annotate"), 1);

        const annotated = await get(photo.annotated_url);
        assert.equal(annotated.statusCode, 200);
        assert.equal(annotated.headers["content-type"], "image/jpeg");
        assert.equal(annotated.headers["cache-control"], "private, no-cache");
        assert.notEqual(annotated.headers.etag, unannotated.headers.etag);
        const drawn = await sharp(annotated.rawPayload).raw().toBuffer({ resolveWithObject: true });
        assert.equal(drawn.info.width, 40);
        assert.equal(drawn.info.height, 30);
        // The rectangle's top-left corner (0.1, 0.1) is red now; the display image there is not.
        const at = (x: number, y: number) => drawn.data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
        const [r, g, b] = at(4, 3);
        assert.ok(r > 180 && g < 110 && b < 110, `red stroke at the corner, got ${[r, g, b].join(",")}`);
        const plain = await sharp(display.rawPayload).raw().toBuffer();
        assert.ok(plain[(3 * 40 + 4) * 3] < 180, "the display image itself has no red there");
        // The original is never altered.
        assert.deepEqual((await get(photo.url)).rawPayload, originalBefore);
        assert.equal(
          (await get(photo.annotated_url, { "if-none-match": String(annotated.headers.etag) })).statusCode,
          304,
        );
      });

      test("a gallery's annotated thumbnail is the thumbnail with the drawing, not the display image", async () => {
        const grey = await sharp({ create: { width: 1000, height: 750, channels: 3, background: "#808080" } })
          .jpeg()
          .toBuffer();
        const photo = (await upload({ data: grey })).body;
        const saved = await t.app.inject({
          method: "PUT",
          url: `/api/v1/photos/${photo.id}/annotations`,
          headers: operator.auth,
          payload: {
            shapes: [
              { kind: "rectangle", x: 0.1, y: 0.1, width: 0.5, height: 0.5, color: "#ff0000", stroke_width: 40 },
            ],
          },
        });
        assert.equal(saved.statusCode, 200, saved.body);
        const thumb = await get(`${photo.annotated_url}?size=thumb&v=1`);
        assert.equal(thumb.statusCode, 200, thumb.body);
        const full = await get(photo.annotated_url);
        assert.notEqual(thumb.headers.etag, full.headers.etag, "each size has its own validator");
        const drawn = await sharp(thumb.rawPayload).raw().toBuffer({ resolveWithObject: true });
        assert.deepEqual([drawn.info.width, drawn.info.height], [320, 240], "the thumbnail's size");
        assert.ok(thumb.rawPayload.length < full.rawPayload.length / 2, "far fewer bytes than the display image");
        // The rectangle's top-left corner (0.1, 0.1) is red at thumbnail scale too; the middle stays grey.
        const at = (x: number, y: number) => [...drawn.data.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3)];
        const [r, g, b] = at(32, 24);
        assert.ok(r > 180 && g < 110 && b < 110, `red stroke at the corner, got ${[r, g, b].join(",")}`);
        const [mr, mg] = at(100, 80);
        assert.ok(Math.abs(mr - mg) < 30, "inside the rectangle the picture is untouched");
        const bad = await get(`${photo.annotated_url}?size=huge&x=1`);
        assert.equal(bad.statusCode, 422);
        assert.deepEqual(
          bad
            .json()
            .error.details.map((d: { field: string }) => d.field)
            .sort(),
          ["size", "x"],
        );
      });

      test("concurrent annotation saves each land once, in the version count and the audit", async () => {
        const photo = (await upload({ data: cameraJpeg })).body;
        const before = await auditCount(t.runtime, "photo.annotate");
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            t.app.inject({
              method: "PUT",
              url: `/api/v1/photos/${photo.id}/annotations`,
              headers: operator.auth,
              payload: { shapes: [{ kind: "circle", x: 0.5, y: 0.5, r: 0.01 * (i + 1) }] },
            }),
          ),
        );
        for (const res of results) assert.equal(res.statusCode, 200, res.body);
        const after = (await api.get(`/api/v1/photos/${photo.id}`)).body;
        assert.equal(after.annotations_version, 6);
        assert.equal(await auditCount(t.runtime, "photo.annotate"), before + 6);
      });

      test("caption and angle change, reads need a role, deletes are soft, own or by an engineer, audited", async () => {
        const photo = (await upload({ data: cameraJpeg })).body;
        const patched = await api.patch(`/api/v1/photos/${photo.id}`, {
          caption: "  Worn ejector pin ",
          angle: "core",
        });
        assert.equal(patched.status, 200);
        assert.equal(patched.body.caption, "Worn ejector pin");
        assert.equal((await api.patch(`/api/v1/photos/${photo.id}`, { angle: "up" })).status, 422);
        assert.equal((await api.patch(`/api/v1/photos/${photo.id}`, { caption: null })).body.caption, null);
        assert.equal((await api.patch(`/api/v1/photos/${photo.id}`, { sha256: "x" })).status, 422);

        const viewer = await t.userWithRole("viewer");
        const asViewer = restClient(t.app, viewer.auth);
        assert.equal((await asViewer.get(`/api/v1/photos/${photo.id}`)).status, 200);
        assert.equal((await t.app.inject({ method: "GET", url: photo.thumbnail_url })).statusCode, 401);
        assert.equal((await asViewer.patch(`/api/v1/photos/${photo.id}`, { caption: "x" })).status, 403);
        assert.equal((await asViewer.delete(`/api/v1/photos/${photo.id}`)).status, 403);
        const list = await asViewer.get(`/api/v1/photos?entity_type=machine&entity_id=${machineId}&limit=2`);
        assert.equal(list.status, 200);
        assert.equal(list.body.items.length, 2);
        assert.ok(list.body.next_cursor);
        assert.equal((await asViewer.get(`/api/v1/photos?entity_type=machine`)).status, 422);

        const otherOperator = restClient(t.app, (await t.userWithRole("operator")).auth);
        assert.equal((await otherOperator.delete(`/api/v1/photos/${photo.id}`)).status, 403);
        const deleted = await api.delete(`/api/v1/photos/${photo.id}`);
        assert.equal(deleted.status, 200);
        assert.equal((await api.get(`/api/v1/photos/${photo.id}`)).status, 404);
        assert.equal((await get(photo.thumbnail_url)).statusCode, 404);
        assert.equal((await api.delete(`/api/v1/photos/${photo.id}`)).status, 404);
        assert.equal(await auditCount(t.runtime, "photo.delete"), 1);
        assert.ok(
          !(await api.get(`/api/v1/photos?entity_type=machine&entity_id=${machineId}&limit=500`)).body.items.some(
            (p: { id: string }) => p.id === photo.id,
          ),
        );
        const row = await t.runtime.db.kysely
          .selectFrom("photos")
          .selectAll()
          .where("id", "=", photo.id)
          .executeTakeFirstOrThrow();
        assert.ok(row.deleted_at, "the row stays");

        const someoneElses = (await upload({ data: cameraJpeg })).body;
        const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
        assert.equal((await engineer.delete(`/api/v1/photos/${someoneElses.id}`)).status, 200);
      });

      test("GraphQL reads photos on their record and through photos(entity), annotates and deletes", async () => {
        const photo = (await upload({ data: cameraJpeg }, { caption: "gql" })).body;
        const read = await graphql(
          t.app,
          `
            query ($id: ID!) {
              machine(id: $id) {
                photos {
                  id
                  caption
                  thumbnailUrl
                  width
                  height
                }
              }
              photos(entityType: machine, entityId: $id, first: 1) {
                edges {
                  node {
                    id
                    sha256
                  }
                }
                pageInfo {
                  hasNextPage
                }
              }
            }
          `,
          { id: machineId },
          operator.auth,
        );
        assert.equal(read.body.errors, undefined, JSON.stringify(read.body.errors));
        assert.ok(read.body.data!.machine.photos.some((p: { id: string }) => p.id === photo.id));
        assert.equal(read.body.data!.photos.edges[0].node.id, read.body.data!.machine.photos[0].id);
        assert.equal(read.body.data!.photos.pageInfo.hasNextPage, true);

        const bad = await graphql(
          t.app,
          `
            mutation ($id: ID!, $shapes: JSON!) {
              setPhotoAnnotations(id: $id, shapes: $shapes) {
                id
              }
            }
          `,
          { id: photo.id, shapes: [{ kind: "blob" }] },
          operator.auth,
        );
        assert.equal(bad.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
        const good = await graphql(
          t.app,
          `
            mutation ($id: ID!, $shapes: JSON!) {
              setPhotoAnnotations(id: $id, shapes: $shapes) {
                annotationsVersion
                annotations
              }
            }
          `,
          { id: photo.id, shapes: [{ kind: "text", x: 0.5, y: 0.5, text: "here" }] },
          operator.auth,
        );
        assert.equal(good.body.data!.setPhotoAnnotations.annotationsVersion, 1);
        const gone = await graphql(
          t.app,
          `
            mutation ($id: ID!) {
              deletePhoto(id: $id) {
                id
              }
            }
          `,
          { id: photo.id },
          operator.auth,
        );
        assert.equal(gone.body.data!.deletePhoto.id, photo.id);
        const again = await graphql(
          t.app,
          `
            query ($id: ID!) {
              photo(id: $id) {
                id
              }
            }
          `,
          { id: photo.id },
          operator.auth,
        );
        assert.equal(again.body.errors?.[0].extensions.code, "NOT_FOUND");
      });

      test(
        "an altered object is refused, not served",
        { skip: !encrypted && "only encryption authenticates" },
        async () => {
          const photo = (await upload({ data: cameraJpeg })).body;
          const key = `photos/${photo.id}/display`;
          const blob = (await store().get(key))!;
          blob[blob.length - 5] ^= 0x01;
          await store().put(key, blob);
          const res = await get(photo.display_url);
          assert.equal(res.statusCode, 409);
          assert.equal(res.json().error.code, "PHOTO_UNREADABLE");
          assert.equal(res.json().error.details[0].code, "tampered");
          assert.match(String(res.headers["content-type"]), /json/);
          // Another photo's object moved under this name fails too: the key is authenticated.
          const other = (await upload({ data: cameraJpeg })).body;
          await store().put(key, (await store().get(`photos/${other.id}/display`))!);
          assert.equal((await get(photo.display_url)).json().error.details[0].code, "tampered");
          assert.equal((await get(photo.thumbnail_url)).statusCode, 200, "the other variants are intact");
        },
      );

      test(
        "after a restart with another key, or none, encrypted photos are refused cleanly",
        { skip: !encrypted && "no key to change" },
        async () => {
          const photo = (await upload({ data: cameraJpeg })).body;
          for (const [key, reason] of [
            [OTHER_KEY, "wrong_key"],
            ["", "key_missing"],
          ] as const) {
            const config = loadConfig({ ...t.testEnv.env, HOM_ENCRYPTION_KEY: key });
            if (backend === "sqlite") {
              // The same master key encrypts the SQLite database: a wrong or missing key stops the start.
              await assert.rejects(startRuntime(config, { feeds: false }), /Cannot open the database|encrypted/);
              continue;
            }
            const runtime = await startRuntime(config, { feeds: false });
            const app = await buildApp(runtime, { logger: false });
            try {
              const meta = await app.inject({
                method: "GET",
                url: `/api/v1/photos/${photo.id}`,
                headers: operator.auth,
              });
              assert.equal(meta.statusCode, 200, "the record is still there");
              for (const url of [photo.url, photo.thumbnail_url, photo.annotated_url]) {
                const res = await app.inject({ method: "GET", url, headers: operator.auth });
                assert.equal(res.statusCode, 409, url);
                assert.equal(res.json().error.code, "PHOTO_UNREADABLE");
                assert.equal(res.json().error.details[0].code, reason);
              }
            } finally {
              await app.close();
            }
          }
          assert.equal((await get(photo.url)).statusCode, 200, "the right key still reads it");
        },
      );
    });
  }
}

describe("photo configuration", () => {
  test("a malformed encryption key or an S3 store without a bucket stops the start", () => {
    // Anything of 16 characters or more is a passphrase (secret-key.ts); shorter text is no key.
    for (const bad of ["short", "x".repeat(15), randomBytes(7).toString("hex")]) {
      assert.throws(() => loadConfig({ HOM_ENCRYPTION_KEY: bad }), /HOM_ENCRYPTION_KEY: must be 64 hex digits/);
    }
    assert.throws(() => loadConfig({ HOM_STORAGE: "s3" }), /HOM_S3_BUCKET: is required/);
    assert.throws(() => loadConfig({ HOM_STORAGE: "ftp" }), /HOM_STORAGE/);
    const hex = loadConfig({ HOM_ENCRYPTION_KEY: KEY });
    const b64 = loadConfig({ HOM_ENCRYPTION_KEY: Buffer.from(KEY, "hex").toString("base64") });
    assert.ok(hex.encryptionKey!.derive("photos").equals(b64.encryptionKey!.derive("photos")), "hex and base64 agree");
    assert.equal(loadConfig({}).storage.kind, "local");
  });
});
