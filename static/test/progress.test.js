import { test } from "node:test";
import assert from "node:assert/strict";
import { progressText, watchProgress, PROGRESS_URL } from "../progress.js";

test("progressText says how far the standard library is", () => {
  assert.equal(progressText({ compiling: true, done: 31, total: 212 }), "compiling Go's standard library for WebAssembly, once: 31 of 212 packages");
  assert.equal(progressText({ compiling: true, done: 12, total: 0 }), "compiling Go's standard library for WebAssembly, once: 12 packages so far");
  assert.equal(progressText({ compiling: false, done: 1, total: 0 }), null);
  assert.equal(progressText(null), null);
  assert.equal(progressText({ compiling: "yes", done: 5, total: 9 }), null);
  assert.equal(progressText({ compiling: true, done: 9, total: 5 }), "compiling Go's standard library for WebAssembly, once: 9 packages so far");
});

test("watchProgress asks until stopped, and shows null when the gateway fails", async () => {
  const answers = [{ compiling: true, done: 3, total: 200 }, "fail", { compiling: true, done: 40, total: 200 }];
  const asked = [];
  const shown = [];
  let stop;
  await new Promise((resolve) => {
    stop = watchProgress((text) => {
      shown.push(text);
      if (shown.length === 3) resolve();
    }, {
      after: 1,
      every: 1,
      fetchFn: async (url) => {
        asked.push(url);
        const a = answers[asked.length - 1] ?? answers[2];
        if (a === "fail") throw new Error("offline");
        return { ok: true, json: async () => a };
      },
    });
  });
  stop();
  const n = asked.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(asked.length, n, "asked again after stop");
  assert.equal(asked[0], PROGRESS_URL);
  assert.deepEqual(shown, [
    "compiling Go's standard library for WebAssembly, once: 3 of 200 packages",
    null,
    "compiling Go's standard library for WebAssembly, once: 40 of 200 packages",
  ]);
});
