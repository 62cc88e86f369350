import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { CipherError, HEADER_LENGTH, open, rewrap, seal } from "../src/storage/cipher.ts";
import { assertObjectKey } from "../src/storage/index.ts";
import { LocalStore } from "../src/storage/local.ts";

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof CipherError, String(error));
    return error.reason;
  }
  assert.fail("expected a CipherError");
};

describe("cipher", () => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  const data = randomBytes(10_000);

  test("seals with a fresh key and nonce each time and opens only with the same key and name", () => {
    const one = seal(a, data, "photos/x/original");
    const two = seal(a, data, "photos/x/original");
    assert.notDeepEqual(one, two);
    assert.equal(one.length, data.length + HEADER_LENGTH);
    assert.deepEqual(open(a, one, "photos/x/original"), data);
    assert.equal(
      reasonOf(() => open(b, one, "photos/x/original")),
      "wrong_key",
    );
    assert.equal(
      reasonOf(() => open(a, one, "photos/y/original")),
      "tampered",
    );
    assert.equal(
      reasonOf(() => open(a, data, "photos/x/original")),
      "not_encrypted",
    );
    for (const at of [20, 40, 70, 80, 90, HEADER_LENGTH + 5, one.length - 1]) {
      const bad = Buffer.from(one);
      bad[at] ^= 0x80;
      assert.equal(
        reasonOf(() => open(a, bad, "photos/x/original")),
        "tampered",
        `byte ${at}`,
      );
    }
    assert.equal(
      reasonOf(() => open(a, one.subarray(0, one.length - 1), "photos/x/original")),
      "tampered",
    );
  });

  test("rewrap moves an object to a new master key without touching its ciphertext", () => {
    const sealed = seal(a, data, "k");
    const moved = rewrap(a, b, sealed);
    assert.deepEqual(moved.subarray(HEADER_LENGTH), sealed.subarray(HEADER_LENGTH));
    assert.deepEqual(open(b, moved, "k"), data);
    assert.equal(
      reasonOf(() => open(a, moved, "k")),
      "wrong_key",
    );
    assert.equal(
      reasonOf(() => rewrap(a, b, moved)),
      "wrong_key",
    );
  });
});

describe("local store", () => {
  test("writes atomically, reads back, deletes, and refuses keys outside its directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hom-store-"));
    try {
      const store = new LocalStore(path.join(dir, "objects"));
      assert.equal(await store.get("photos/a/original"), null);
      assert.equal(await store.exists("photos/a/original"), false);
      await store.put("photos/a/original", Buffer.from("one"));
      await store.put("photos/a/original", Buffer.from("two"));
      assert.deepEqual(await store.get("photos/a/original"), Buffer.from("two"));
      assert.equal(await store.exists("photos/a/original"), true);
      assert.deepEqual(readdirSync(path.join(dir, "objects/photos/a")), ["original"], "no temporary file left");
      await store.delete("photos/a/original");
      await store.delete("photos/a/original");
      assert.equal(await store.exists("photos/a/original"), false);
      for (const key of ["../x", "photos/../../x", "/etc/passwd", "photos//x", "photos/./x", "Photos/X", "a\\b", ""]) {
        assert.throws(() => assertObjectKey(key), /Invalid object key/, key);
        await assert.rejects(store.put(key, Buffer.from("x")), /Invalid object key/, key);
      }
      assert.deepEqual(readdirSync(dir), ["objects"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
