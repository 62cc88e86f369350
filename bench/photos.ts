// `npm run bench:photos` (node bench/photos.ts on Node 24): photo upload throughput. Starts HOM (SQLite, local storage) as its own
// process, uploads a realistic 4000×3000 JPEG (2–4 MB, made here from noise) through HTTP from
// a few concurrent clients for --duration seconds, and prints uploads/s and latency percentiles,
// in the clear and with HOM_ENCRYPTION_KEY. --write records the table in docs/benchmarks.md.
// Options: --duration S (default 10 per run), --connections N (default 2), --port P, --write.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { login, machineDescription, startServer, stopServer, writeDocSection } from "./lib.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "2" },
    port: { type: "string", default: "18470" },
    write: { type: "boolean", default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const port = Number(values.port);

/** A camera-like 4000×3000 JPEG: smooth shapes from upscaled noise plus fine grain, quality 90. */
async function cameraLikeJpeg(): Promise<Buffer> {
  const coarse = await sharp(randomBytes(80 * 60 * 3), { raw: { width: 80, height: 60, channels: 3 } })
    .resize(4000, 3000, { kernel: "cubic" })
    .raw()
    .toBuffer();
  const grain = randomBytes(coarse.length);
  for (let i = 0; i < coarse.length; i++) coarse[i] = Math.min(255, Math.max(0, coarse[i] + ((grain[i] & 31) - 16)));
  return sharp(coarse, { raw: { width: 4000, height: 3000, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Result {
  label: string;
  uploads: number;
  failed: number;
  perSecond: number;
  p50: number;
  p95: number;
  mbPerSecond: number;
}

async function run(label: string, env: Record<string, string>, image: Buffer): Promise<Result> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-photos-"));
  const server = await startServer({ HOM_DATA_DIR: dataDir, HOM_OPCUA: "false", ...env }, port);
  try {
    const auth = await login(server);
    const post = async (url: string, body: unknown) => {
      const res = await fetch(`${server.base}${url}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    const line = await post("/api/v1/lines", { code: "BENCH", name: "Bench line" });
    const machine = await post("/api/v1/machines", { line_id: line.id, code: "BENCH-1", name: "Bench press" });
    const blob = new Blob([new Uint8Array(image)], { type: "image/jpeg" });

    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    const until = started + duration * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          const form = new FormData();
          form.set("entity_type", "machine");
          form.set("entity_id", machine.id);
          form.set("angle", "front");
          form.set("file", blob, "IMG_0001.jpg");
          const t0 = performance.now();
          const res = await fetch(`${server.base}/api/v1/photos`, { method: "POST", headers: auth, body: form });
          await res.arrayBuffer();
          if (res.status === 201) latencies.push(performance.now() - t0);
          else failed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      label,
      uploads: latencies.length,
      failed,
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      mbPerSecond: (latencies.length * image.length) / seconds / 1_048_576,
    };
  } finally {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const image = await cameraLikeJpeg();
console.log(
  `image: 4000×3000 JPEG, ${(image.length / 1_048_576).toFixed(2)} MB; ${connections} clients, ${duration} s per run`,
);
const results: Result[] = [];
for (const [label, env] of [
  ["local disk, in the clear", {}],
  ["local disk, encrypted", { HOM_ENCRYPTION_KEY: randomBytes(32).toString("hex") }],
] as const) {
  const r = await run(label, env, image);
  results.push(r);
  console.log(
    `${label}: ${r.uploads} uploads (${r.failed} failed), ${r.perSecond.toFixed(2)} uploads/s, ` +
      `${r.mbPerSecond.toFixed(1)} MB/s in, p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms`,
  );
}

if (values.write) {
  const section = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}; SQLite, local storage,`,
    `${connections} concurrent clients, ${duration} s per run, one ${(image.length / 1_048_576).toFixed(2)} MB 4000×3000 JPEG`,
    "uploaded again and again (`npm run bench:photos -- --write`).",
    "",
    "| storage | uploads/s | MB/s in | p50 | p95 | failed |",
    "|---|--:|--:|--:|--:|--:|",
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.perSecond.toFixed(2)} | ${r.mbPerSecond.toFixed(1)} | ${r.p50.toFixed(0)} ms | ${r.p95.toFixed(0)} ms | ${r.failed} |`,
    ),
    "",
  ].join("\n");
  writeDocSection("bench:photos", section);
}
