import type { Readable, Writable } from "node:stream";

/**
 * A small POSIX tar (ustar, with PAX records for long names) writer and streaming reader: a
 * backup is one `.tar.gz` that `tar -xzf` opens too, without a dependency for it.
 * Only regular files are written or read; anything else in an archive is refused.
 */

const BLOCK = 512;

function header(name: string, size: number, mtime: number, type: "0" | "x"): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name.slice(0, 100), 0, 100, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  h.write(
    Math.floor(mtime / 1000)
      .toString(8)
      .padStart(11, "0") + "\0",
    136,
  );
  h.write("        ", 148); // checksum counts as spaces while summing
  h.write(type, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`);
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
}

export class TarWriter {
  readonly #out: Writable;

  constructor(out: Writable) {
    this.#out = out;
  }

  /** Adds one file of exactly `size` bytes from `content`. */
  async add(name: string, size: number, content: Readable | Buffer, mtime = Date.now()): Promise<void> {
    if (Buffer.byteLength(name) > 100) {
      const pax = paxRecord("path", name);
      await write(this.#out, header("PaxHeader", pax.length, mtime, "x"));
      await write(this.#out, Buffer.concat([pax, padding(pax.length)]));
    }
    await write(this.#out, header(name, size, mtime, "0"));
    let written = 0;
    if (Buffer.isBuffer(content)) {
      await write(this.#out, content);
      written = content.length;
    } else {
      for await (const chunk of content as AsyncIterable<Buffer>) {
        written += chunk.length;
        if (written > size) throw new Error(`${name} grew while it was archived`);
        await write(this.#out, chunk);
      }
    }
    if (written !== size) throw new Error(`${name} changed size while it was archived (${written} of ${size} bytes)`);
    await write(this.#out, padding(size));
  }

  /** Two zero blocks end the archive. */
  async finish(): Promise<void> {
    await write(this.#out, Buffer.alloc(2 * BLOCK));
    await new Promise<void>((resolve, reject) =>
      this.#out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}

export class ArchiveError extends Error {}

export interface TarEntryHandler {
  /** Called for each file; returns what receives its bytes. */
  (name: string, size: number): { data(chunk: Buffer): void | Promise<void>; end(): void | Promise<void> };
}

/** Reads a tar stream entry by entry, streaming each file's bytes to the handler. */
export async function readTar(input: AsyncIterable<Buffer>, onEntry: TarEntryHandler): Promise<void> {
  let buffer: Buffer = Buffer.alloc(0);
  let state:
    | { kind: "header" }
    | { kind: "data"; left: number; pad: number; sink: ReturnType<TarEntryHandler> | null; pax?: Buffer[] } = {
    kind: "header",
  };
  let paxPath: string | undefined;
  let ended = false;
  for await (const chunk of input) {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      if (ended) break;
      if (state.kind === "header") {
        if (buffer.length < BLOCK) break;
        const h = buffer.subarray(0, BLOCK);
        buffer = buffer.subarray(BLOCK);
        if (h.every((b) => b === 0)) {
          ended = true;
          break;
        }
        let sum = 0;
        for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
        if (sum !== parseInt(h.toString("latin1", 148, 156).replace(/\0.*$/, "").trim(), 8)) {
          throw new ArchiveError("a file header is damaged (checksum mismatch)");
        }
        const size = parseInt(h.toString("latin1", 124, 136).replace(/\0.*$/, "").trim() || "0", 8);
        const type = h.toString("latin1", 156, 157);
        const rawName = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
        const prefix = h.toString("utf8", 345, 500).replace(/\0.*$/s, "");
        if (type === "x") {
          state = { kind: "data", left: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, sink: null, pax: [] };
          continue;
        }
        if (type !== "0" && type !== "\0") throw new ArchiveError(`unexpected entry type "${type}" for ${rawName}`);
        const name = paxPath ?? (prefix ? `${prefix}/${rawName}` : rawName);
        paxPath = undefined;
        state = { kind: "data", left: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, sink: onEntry(name, size) };
        if (size === 0) {
          await state.sink!.end();
          state = { kind: "header" };
        }
        continue;
      }
      // data
      if (state.left > 0) {
        if (buffer.length === 0) break;
        const take = Math.min(state.left, buffer.length);
        const part = buffer.subarray(0, take);
        buffer = buffer.subarray(take);
        state.left -= take;
        if (state.pax) state.pax.push(Buffer.from(part));
        else await state.sink!.data(part);
        if (state.left > 0) break;
      }
      if (buffer.length < state.pad) break;
      buffer = buffer.subarray(state.pad);
      if (state.pax) {
        const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.concat(state.pax).toString("utf8"));
        paxPath = match?.[1];
      } else {
        await state.sink!.end();
      }
      state = { kind: "header" };
    }
  }
  if (!ended) throw new ArchiveError("the archive is truncated");
}
