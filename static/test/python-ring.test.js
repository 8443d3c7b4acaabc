// Checks the rings a Python cell's workers share (python-ring.js), here in one thread and
// across a Node worker that blocks on them with Atomics.wait as the Python worker does.
import test from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { C, channel, makeBuffer } from "../python-ring.js";

const small = { out: 64, in: 64, stdin: 32 };

test("messages come out whole and in order, across the ring's end", () => {
  const ch = channel(makeBuffer(small));
  let n = 0;
  for (let round = 0; round < 50; round++) {
    const a = Uint8Array.from({ length: 1 + (round % 17) }, (_, i) => (round + i) & 255);
    const b = Uint8Array.from({ length: 3 + (round % 23) }, (_, i) => (round * 3 + i) & 255);
    assert.ok(ch.in.push(a));
    assert.ok(ch.in.push(b));
    assert.deepEqual(ch.in.pop(), a);
    assert.deepEqual(ch.in.pop(), b);
    assert.equal(ch.in.pop(), null);
    n += 2;
  }
  assert.equal(Atomics.load(ch.ctrl, C.IN_SEQ), 2 * n, "every push and pop moves the sequence cell");
});

test("a full ring says no and keeps what it has", () => {
  const ch = channel(makeBuffer(small));
  const m = new Uint8Array(28).fill(7);
  assert.ok(ch.out.push(m));
  assert.ok(ch.out.push(m));
  assert.equal(ch.out.fits(1), false);
  assert.equal(ch.out.push(new Uint8Array(1)), false);
  assert.deepEqual(ch.out.pop(), m);
  assert.ok(ch.out.push(new Uint8Array([1, 2, 3])));
  assert.deepEqual(ch.out.pop(), m);
  assert.deepEqual(ch.out.pop(), new Uint8Array([1, 2, 3]));
  assert.throws(() => ch.out.push(new Uint8Array(61)), RangeError);
});

test("the close reason crosses", () => {
  const ch = channel(makeBuffer(small));
  ch.setReason("the gateway is shutting down");
  assert.equal(channel({ sab: ch.ctrl.buffer, sizes: small }).reason(), "the gateway is shutting down");
});

test("a blocked reader wakes for each message, 64 KiB frames through a 1 MiB ring", async () => {
  const buffer = makeBuffer();
  const ch = channel(buffer);
  const reader = new Worker(`
    const { workerData, parentPort } = require("node:worker_threads");
    import(workerData.ring).then(({ C, channel }) => {
      const ch = channel(workerData.buffer);
      let total = 0, sum = 0;
      for (;;) {
        const seen = Atomics.load(ch.ctrl, C.IN_SEQ);
        const m = ch.in.pop();
        if (m) { total += m.length; for (const b of m) sum = (sum + b) % 65521; continue; }
        if (Atomics.load(ch.ctrl, C.NET) === 2) break;
        Atomics.wait(ch.ctrl, C.IN_SEQ, seen);
      }
      parentPort.postMessage({ total, sum });
    });`, { eval: true, workerData: { buffer, ring: new URL("../python-ring.js", import.meta.url).href } });
  const got = new Promise((resolve, reject) => { reader.on("message", resolve); reader.on("error", reject); });
  let total = 0;
  let sum = 0;
  for (let i = 0; i < 64; i++) {
    const m = Uint8Array.from({ length: 65536 }, (_, j) => (i * 31 + j) & 255);
    for (const b of m) sum = (sum + b) % 65521;
    total += m.length;
    while (!ch.in.push(m)) await new Promise((r) => setTimeout(r, 1));
  }
  ch.signal(C.NET, 2, C.IN_SEQ);
  assert.deepEqual(await got, { total, sum });
  await reader.terminate();
});
