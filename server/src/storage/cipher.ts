import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Encryption at rest (SPEC §10): AES-256-GCM with a two-level key hierarchy.
 *
 * The master key (HOM_ENCRYPTION_KEY) never encrypts data itself: each object gets a fresh
 * random data key, the data key is wrapped (encrypted) with the master key, and the wrapped key
 * travels in the object's header. Rotating the master key (`hom rekey`) therefore rewraps 60
 * bytes per object (`rewrap`) instead of re-encrypting every image or backup.
 *
 * Sealed layout (all lengths in bytes):
 *
 *   magic "HOMX" 4 | version 1 | key id 8 | wrap nonce 12 | wrapped data key 32 | wrap tag 16
 *   | data nonce 12 | data tag 16 | ciphertext …
 *
 * The key id (a hash of the master key) tells "encrypted with another key" apart from
 * "tampered with". The data is authenticated together with the caller's `aad` (for photos the
 * object key), so a blob moved under another name is refused as well.
 */

const MAGIC = Buffer.from("HOMX");
const VERSION = 1;
const KEY_ID = 8;
const NONCE = 12;
const TAG = 16;
const DATA_KEY = 32;
const WRAP_OFFSET = MAGIC.length + 1 + KEY_ID;
const DATA_OFFSET = WRAP_OFFSET + NONCE + DATA_KEY + TAG;
export const HEADER_LENGTH = DATA_OFFSET + NONCE + TAG;

export type CipherFailure = "not_encrypted" | "wrong_key" | "tampered";

export class CipherError extends Error {
  readonly reason: CipherFailure;

  constructor(reason: CipherFailure, message: string) {
    super(message);
    this.name = "CipherError";
    this.reason = reason;
  }
}

/** A short, non-secret fingerprint of a master key, stored with each object. */
export function keyId(master: Buffer): Buffer {
  return createHash("sha256").update("hom-key-id\0").update(master).digest().subarray(0, KEY_ID);
}

/** The length of `wrapKey`'s output. */
export const WRAPPED_KEY_LENGTH = DATA_OFFSET;

/** Whether a sealed object's data key is wrapped by `master` (without decrypting anything). */
export function sealedWith(master: Buffer, blob: Buffer): boolean {
  return isSealed(blob) && blob.subarray(MAGIC.length + 1, WRAP_OFFSET).equals(keyId(master));
}

export function isSealed(blob: Buffer): boolean {
  return blob.length >= HEADER_LENGTH && blob.subarray(0, MAGIC.length).equals(MAGIC) && blob[4] === VERSION;
}

function gcmEncrypt(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): { data: Buffer; tag: Buffer } {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { data, tag: cipher.getAuthTag() };
}

function gcmDecrypt(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

const WRAP_AAD = Buffer.from("hom-data-key-v1");
const dataAad = (aad: string) => Buffer.concat([MAGIC, Buffer.from([VERSION]), Buffer.from(aad, "utf8")]);

/** A data key wrapped by `master` (the header of a sealed object; backups keep one per archive). */
export function wrapKey(master: Buffer, dataKey: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const { data, tag } = gcmEncrypt(master, nonce, dataKey, WRAP_AAD);
  return Buffer.concat([MAGIC, Buffer.from([VERSION]), keyId(master), nonce, data, tag]);
}

/** The data key of a sealed object or of `wrapKey`'s output; CipherError on another key or damage. */
export function unwrapKey(master: Buffer, blob: Buffer): Buffer {
  // The wrapped key alone (a backup's) is shorter than a sealed object's full header.
  if (blob.length < DATA_OFFSET || !blob.subarray(0, MAGIC.length).equals(MAGIC) || blob[4] !== VERSION) {
    throw new CipherError("not_encrypted", "The object is not encrypted");
  }
  if (!blob.subarray(MAGIC.length + 1, WRAP_OFFSET).equals(keyId(master))) {
    throw new CipherError("wrong_key", "The object was encrypted with a different key");
  }
  const nonce = blob.subarray(WRAP_OFFSET, WRAP_OFFSET + NONCE);
  const wrapped = blob.subarray(WRAP_OFFSET + NONCE, WRAP_OFFSET + NONCE + DATA_KEY);
  const tag = blob.subarray(WRAP_OFFSET + NONCE + DATA_KEY, DATA_OFFSET);
  try {
    return gcmDecrypt(master, nonce, wrapped, tag, WRAP_AAD);
  } catch {
    throw new CipherError("tampered", "The object's key has been altered");
  }
}

/** Encrypts `plaintext` under a fresh data key wrapped by `master`; `aad` is authenticated, not stored. */
export function seal(master: Buffer, plaintext: Buffer, aad = ""): Buffer {
  const dataKey = randomBytes(DATA_KEY);
  const nonce = randomBytes(NONCE);
  const { data, tag } = gcmEncrypt(dataKey, nonce, plaintext, dataAad(aad));
  return Buffer.concat([wrapKey(master, dataKey), nonce, tag, data]);
}

/** Decrypts and authenticates a sealed object; any change to it, or another key or `aad`, throws CipherError. */
export function open(master: Buffer, blob: Buffer, aad = ""): Buffer {
  const dataKey = unwrapKey(master, blob);
  const nonce = blob.subarray(DATA_OFFSET, DATA_OFFSET + NONCE);
  const tag = blob.subarray(DATA_OFFSET + NONCE, HEADER_LENGTH);
  try {
    return gcmDecrypt(dataKey, nonce, blob.subarray(HEADER_LENGTH), tag, dataAad(aad));
  } catch {
    throw new CipherError("tampered", "The object has been altered since it was stored");
  }
}

/**
 * The same object under a new master key: only the header changes, the ciphertext is kept.
 * For key rotation; throws like `open` when `from` is not the key the object was sealed with.
 */
export function rewrap(from: Buffer, to: Buffer, blob: Buffer): Buffer {
  const dataKey = unwrapKey(from, blob);
  return Buffer.concat([wrapKey(to, dataKey), blob.subarray(DATA_OFFSET)]);
}
