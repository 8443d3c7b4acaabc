// Checks that the sequence diagram's layout (wire-model.js) draws every event of a busy run:
// one lane per peer, none left out. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import * as W from "../wire-model.js";

const b64 = (s) => Buffer.from(s, "latin1").toString("base64");

// busyRun dials n peers, reads from each and closes it; stream 1 is the lookups.
function busyRun(n) {
  const evs = [];
  for (let i = 0; i < n; i++) {
    const addr = `peer${i}.lab:${1000 + i}`;
    const s = 10 + i;
    evs.push({ stream: 1, kind: "lookup", addr: `peer${i}.lab` });
    evs.push({ stream: 1, kind: "answer", addr: `peer${i}.lab`, addrs: [`10.10.0.${i}`] });
    evs.push({ stream: s, kind: "dial", addr });
    evs.push({ stream: s, kind: "connected", addr });
    evs.push({ stream: s, kind: "recv", addr, n: 3, data: b64("hi\n") });
    evs.push({ stream: s, kind: "fin-recv", addr });
    evs.push({ stream: s, kind: "close", addr });
  }
  return evs;
}

test("a run with 9 peers: 10 lanes, every event drawn, nothing said missing", () => {
  const evs = busyRun(9);
  const l = W.layoutEvents(evs);
  assert.equal(l.lanes.length, 10);
  assert.equal(l.items.length, evs.length);
  assert.deepEqual(l.items.map((it) => it.index), evs.map((_, i) => i));
  assert.equal(l.more(), "");
});

test("a run with more peers than lanes still draws every event", () => {
  const evs = busyRun(W.LIMITS.lanes + 5);
  const l = W.layoutEvents(evs);
  assert.equal(l.lanes.length, W.LIMITS.lanes + 2);
  assert.equal(l.items.length, evs.length);
  assert.equal(l.more(), "5 more peers share the last lane");
  // Replay lays out the same way, up to where it stands.
  assert.equal(W.layoutEvents(evs, {}, 20).items.length, 20);
});

test("the diagram draws as many events as the bytes view shows", () => {
  assert.equal(W.LIMITS.rows, W.LIMITS.blocks);
  const evs = [{ stream: 1, kind: "dial", addr: "echo.lab:7" }];
  for (let i = 0; i < 600; i++) {
    evs.push({ stream: 1, kind: i % 2 ? "recv" : "send", addr: "echo.lab:7", n: 3, data: b64("hi\n") });
  }
  const l = W.layoutEvents(evs);
  assert.equal(l.items.length, evs.length);
  assert.equal(l.more(), "");
});
