// Checks how step mode words a read the learner stepped over (wire-model.js stepResult) and
// the pending arrow before it. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import * as W from "../wire-model.js";

const b64 = (s) => Buffer.from(s, "latin1").toString("base64");

test("stepResult says what a stepped read returned, with the bytes' start", () => {
  const cases = [
    [{ kind: "recv", addr: "time.lab:37", n: 4, data: b64("\xec\xc2\x0a\x80"), text: "the read returned 4 bytes from time.lab:37" },
      "the read returned 4 bytes from time.lab:37: ec c2 0a 80"],
    [{ kind: "recv", addr: "web.lab:80", n: 17, data: b64("HTTP/1.0 200 OK\r\n"), text: "the read returned 17 bytes from web.lab:80" },
      'the read returned 17 bytes from web.lab:80: "HTTP/1.0 200 OK"'],
    [{ kind: "recv", addr: "time.lab:37", n: 0, text: "the read returned EOF: time.lab:37 has finished sending" },
      "the read returned EOF: time.lab:37 has finished sending"],
    [{ kind: "recvfrom", addr: "time.lab:37", n: 2, data: b64("hi"), text: "received a 2-byte datagram from time.lab:37" },
      'received a 2-byte datagram from time.lab:37: "hi"'],
    [undefined, "the operation returned"],
  ];
  for (const [r, want] of cases) assert.equal(W.stepResult(r), want);
});

test("a pending read is an arrow from the peer to the program", () => {
  const l = W.layoutEvents([
    { stream: 3, kind: "dial", addr: "time.lab:37" },
    { stream: 3, kind: "connected", addr: "time.lab:37" },
  ]);
  const p = l.preview({ kind: "recv", stream: 3, addr: "time.lab:37", n: 4, text: "about to read from time.lab:37 (up to 4 bytes)" });
  assert.equal(p.type, "arrow");
  assert.equal(p.from, 1);
  assert.equal(p.to, 0);
  assert.equal(p.label, "about to read from time.lab:37 (up to 4 bytes)");
});
