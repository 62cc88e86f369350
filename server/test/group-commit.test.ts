import assert from "node:assert/strict";
import { test } from "node:test";
import { GroupCommit } from "../src/modules/shots/group-commit.ts";

/** A commit that records its batches and fails a whole batch when it holds a "bad" item. */
function recorder(delayMs = 5) {
  const batches: string[][] = [];
  const commit = async (items: string[]) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, delayMs));
    if (items.includes("bad")) throw new Error("refused: bad");
    return items.map((item) => `stored ${item}`);
  };
  return { batches, commit };
}

test("group commit: concurrent submissions share a batch; later ones wait for the next; each gets its own result", async () => {
  const { batches, commit } = recorder();
  const group = new GroupCommit<string, string>({ commit, maxBatch: 3 });
  const results = await Promise.all(["a", "b", "c", "d", "e"].map((item) => group.submit(item)));
  assert.deepEqual(results, ["stored a", "stored b", "stored c", "stored d", "stored e"]);
  assert.deepEqual(batches, [
    ["a", "b", "c"],
    ["d", "e"],
  ]);
  // Submitted while a batch is committing: waits, then goes together.
  batches.length = 0;
  const first = group.submit("f");
  await new Promise((r) => setImmediate(r));
  const more = ["g", "h"].map((item) => group.submit(item));
  assert.deepEqual(await Promise.all([first, ...more]), ["stored f", "stored g", "stored h"]);
  assert.deepEqual(batches, [["f"], ["g", "h"]]);
});

test("group commit: items with the same key never share a batch, and keep their order", async () => {
  const { batches, commit } = recorder();
  const group = new GroupCommit<string, string>({ commit, maxBatch: 10, conflictKey: (item) => item[0] });
  await Promise.all(["k1", "x", "k2", "y", "k3"].map((item) => group.submit(item)));
  assert.deepEqual(batches, [["k1", "x", "y"], ["k2"], ["k3"]]);
});

test("group commit: a batch that fails is retried item by item; only the cause fails", async () => {
  const { batches, commit } = recorder();
  const sizes: number[] = [];
  const group = new GroupCommit<string, string>({ commit, maxBatch: 10, onBatch: (n) => sizes.push(n) });
  const outcomes = await Promise.allSettled(["a", "bad", "c"].map((item) => group.submit(item)));
  assert.deepEqual(
    outcomes.map((o) => (o.status === "fulfilled" ? o.value : (o.reason as Error).message)),
    ["stored a", "refused: bad", "stored c"],
  );
  assert.deepEqual(batches, [["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
  assert.deepEqual(sizes, [1, 1], "only committed batches are counted");
  // The queue runs on after a failure.
  assert.equal(await group.submit("d"), "stored d");
});
