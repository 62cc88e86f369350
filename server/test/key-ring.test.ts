import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { KeyRing } from "../src/key-ring.ts";
import { SecretKey } from "../src/secret-key.ts";

/** A write whose end the test decides. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test("a rotation waits for writes begun under the previous key, not for those under the new one", async () => {
  const oldKey = new SecretKey(randomBytes(32));
  const newKey = new SecretKey(randomBytes(32));
  const ring = new KeyRing(oldKey);

  const slowUpload = gate();
  const used: (SecretKey | undefined)[] = [];
  const upload = ring.sealing(async (key) => {
    used.push(key);
    await slowUpload.promise; // objects sealed, row not committed yet
    return "stored";
  });

  ring.rotate(newKey);
  const laterUpload = gate();
  void ring.sealing(async (key) => {
    used.push(key);
    await laterUpload.promise; // never finishes during the test: must not hold the rotation up
  });
  assert.deepEqual(used, [oldKey, newKey]);

  let settled = false;
  const waiting = ring.settled(oldKey).then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false, "the rewrap pass must not start while an old-key upload is in flight");

  slowUpload.open();
  assert.equal(await upload, "stored");
  await waiting;
  assert.equal(settled, true);
  laterUpload.open();
});

test("a failed write under the previous key releases the rotation too, and its error reaches its caller", async () => {
  const oldKey = new SecretKey(randomBytes(32));
  const ring = new KeyRing(oldKey);
  const failing = ring.sealing(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    throw new Error("disk full");
  });
  ring.rotate(new SecretKey(randomBytes(32)));
  await assert.rejects(failing, /disk full/);
  await ring.settled(oldKey);
});

test("without a key nothing is tracked", async () => {
  const ring = new KeyRing(undefined);
  assert.equal(await ring.sealing(async (key) => key), undefined);
});
