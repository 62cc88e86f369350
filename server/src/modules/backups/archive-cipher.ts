import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import type { SecretKey } from "../../secret-key.ts";
import { CipherError, unwrapKey, wrapKey } from "../../storage/cipher.ts";
import { ArchiveError } from "./tar.ts";

/**
 * Encrypted backup archives (docs/security.md "Backups"): the `.tar.gz` stream, encrypted with
 * a fresh random data key per archive; only that data key is wrapped by the backups key derived
 * from the master key (`backups`), the same hierarchy as photos (storage/cipher.ts).
 *
 * File layout:
 *   "HOMBAK1\n" 8 | header length 4 (big-endian) | header JSON (public: format, key id, wrapped key …)
 *   | frames: length-and-final-flag 4 | ciphertext | GCM tag 16
 * The stream is cut into frames of at most CHUNK bytes, each authenticated on its own (AES-256-GCM,
 * nonce = random prefix ‖ frame number, the header's hash and the final flag as associated data),
 * so a restore never acts on bytes that were not checked, and a reordered, truncated or extended
 * archive is refused. The header says which key the archive needs; it never holds a secret.
 */

export const ENCRYPTED_MAGIC = Buffer.from("HOMBAK1\n", "latin1");
const CHUNK = 1 << 20;
const TAG = 16;
const FINAL = 0x8000_0000;

export interface EncryptedArchiveHeader {
  format: "hom-backup-encrypted";
  version: 1;
  cipher: "aes-256-gcm";
  /** `SecretKey.id()` of the master key the archive needs. */
  key_id: string;
  /** The archive's data key wrapped by the master key's `backups` key (base64). */
  wrapped_key: string;
  /** First 8 bytes of every frame nonce (base64). */
  nonce_prefix: string;
}

function frameNonce(prefix: Buffer, counter: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0, 0, 8);
  nonce.writeUInt32BE(counter, 8);
  return nonce;
}

function frameAad(headerHash: Buffer, counter: number, final: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(counter, 0);
  tail[4] = final ? 1 : 0;
  return Buffer.concat([headerHash, tail]);
}

/** A Transform that turns the archive's plain bytes into the encrypted file, header first. */
export function encryptingStream(master: SecretKey): Transform {
  const dataKey = randomBytes(32);
  const prefix = randomBytes(8);
  const header: EncryptedArchiveHeader = {
    format: "hom-backup-encrypted",
    version: 1,
    cipher: "aes-256-gcm",
    key_id: master.id(),
    wrapped_key: wrapKey(master.derive("backups"), dataKey).toString("base64"),
    nonce_prefix: prefix.toString("base64"),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const headerHash = createHash("sha256").update(headerBytes).digest();
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let counter = 0;
  let started = false;

  const frame = (plain: Buffer, final: boolean): Buffer => {
    const cipher = createCipheriv("aes-256-gcm", dataKey, frameNonce(prefix, counter));
    cipher.setAAD(frameAad(headerHash, counter, final));
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    counter++;
    const head = Buffer.alloc(4);
    head.writeUInt32BE((plain.length | (final ? FINAL : 0)) >>> 0);
    return Buffer.concat([head, data, cipher.getAuthTag()]);
  };
  const start = (t: Transform) => {
    if (started) return;
    started = true;
    t.push(Buffer.concat([ENCRYPTED_MAGIC, length, headerBytes]));
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      start(this);
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Keep at least one byte back: the last frame, written at the end, carries the final flag.
      while (pendingBytes > CHUNK) {
        const all = Buffer.concat(pending);
        this.push(frame(all.subarray(0, CHUNK), false));
        pending = [all.subarray(CHUNK)];
        pendingBytes = all.length - CHUNK;
      }
      done();
    },
    flush(done: TransformCallback) {
      start(this);
      this.push(frame(Buffer.concat(pending), true));
      dataKey.fill(0);
      done();
    },
  });
}

/** The public header of an encrypted archive, or null for a plain `.tar.gz`. */
export async function readEncryptedHeader(file: string): Promise<EncryptedArchiveHeader | null> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new ArchiveError(`no such file: ${file}`);
    throw error;
  }
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    if (bytesRead < 12 || !head.subarray(0, 8).equals(ENCRYPTED_MAGIC)) return null;
    const length = head.readUInt32BE(8);
    if (length > 64 * 1024) throw new ArchiveError("the encrypted archive's header is damaged");
    const body = Buffer.alloc(length);
    const read = await handle.read(body, 0, length, 12);
    if (read.bytesRead !== length) throw new ArchiveError("the encrypted archive is truncated");
    let header: EncryptedArchiveHeader;
    try {
      header = JSON.parse(body.toString("utf8")) as EncryptedArchiveHeader;
    } catch {
      throw new ArchiveError("the encrypted archive's header is damaged");
    }
    if (header.format !== "hom-backup-encrypted" || header.version !== 1 || typeof header.key_id !== "string") {
      throw new ArchiveError("the encrypted archive's header is not of a version this HOM reads");
    }
    return header;
  } finally {
    await handle.close();
  }
}

/** Why an encrypted archive cannot be opened with the given key (or without one). */
export class ArchiveKeyError extends Error {
  readonly reason: "key_missing" | "wrong_key";

  constructor(reason: "key_missing" | "wrong_key", message: string) {
    super(message);
    this.name = "ArchiveKeyError";
    this.reason = reason;
  }
}

/** Checks that `master` opens the archive; returns the data key. Throws ArchiveKeyError otherwise. */
export function archiveDataKey(header: EncryptedArchiveHeader, master: SecretKey | undefined): Buffer {
  if (!master) {
    throw new ArchiveKeyError(
      "key_missing",
      `the archive is encrypted with the key of id ${header.key_id}; give that key with HOM_ENCRYPTION_KEY, HOM_ENCRYPTION_KEY_FILE or --key-file`,
    );
  }
  try {
    return unwrapKey(master.derive("backups"), Buffer.from(header.wrapped_key, "base64"));
  } catch (error) {
    if (!(error instanceof CipherError)) throw error;
    if (error.reason === "wrong_key") {
      throw new ArchiveKeyError(
        "wrong_key",
        `the archive is encrypted with the key of id ${header.key_id}, not with the given key (id ${master.id()}); give the key that was in use when the backup was made`,
      );
    }
    throw new ArchiveError("the encrypted archive's key record is damaged");
  }
}

/**
 * A Transform from the encrypted file (header included) back to the archive's plain bytes. Each
 * frame is released only after its tag checks; damage, reordering or truncation is an ArchiveError.
 */
export function decryptingStream(header: EncryptedArchiveHeader, dataKey: Buffer): Transform {
  const prefix = Buffer.from(header.nonce_prefix, "base64");
  let buffer: Buffer = Buffer.alloc(0);
  let skip = -1; // bytes of magic and header still to drop; known once 12 bytes are in
  let counter = 0;
  let finished = false;
  let headerHash: Buffer | undefined;

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      try {
        if (skip < 0) {
          if (buffer.length < 12) return done();
          const length = buffer.readUInt32BE(8);
          skip = 12 + length;
        }
        if (!headerHash) {
          if (buffer.length < skip) return done();
          headerHash = createHash("sha256").update(buffer.subarray(12, skip)).digest();
          buffer = buffer.subarray(skip);
        }
        for (;;) {
          if (buffer.length < 4) break;
          if (finished) throw new ArchiveError("the encrypted archive has data after its end");
          const word = buffer.readUInt32BE(0);
          const final = (word & FINAL) !== 0;
          const size = word & ~FINAL;
          if (size > CHUNK) throw new ArchiveError("the encrypted archive is damaged (frame length)");
          if (buffer.length < 4 + size + TAG) break;
          const decipher = createDecipheriv("aes-256-gcm", dataKey, frameNonce(prefix, counter));
          decipher.setAAD(frameAad(headerHash, counter, final));
          decipher.setAuthTag(buffer.subarray(4 + size, 4 + size + TAG));
          let plain: Buffer;
          try {
            plain = Buffer.concat([decipher.update(buffer.subarray(4, 4 + size)), decipher.final()]);
          } catch {
            throw new ArchiveError("the encrypted archive is damaged or was altered (a frame fails its check)");
          }
          buffer = buffer.subarray(4 + size + TAG);
          counter++;
          if (final) finished = true;
          this.push(plain);
        }
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      if (!finished || buffer.length > 0) return done(new ArchiveError("the encrypted archive is truncated"));
      done();
    },
  });
}
