// Checks what the wire view says of the lab's faults. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import * as W from "../wire-model.js";

const b64 = (s) => Buffer.from(s, "latin1").toString("base64");

// A one-read client under segment=1 and a UDP client under loss, as the runtime reports them.
const run = [
  { t: 1, stream: 3, kind: "dial", addr: "time.lab:37", remote: "10.10.0.37:37" },
  { t: 2, stream: 3, kind: "connected", addr: "time.lab:37", local: "10.10.1.2:41000", remote: "10.10.0.37:37" },
  { t: 3, stream: 3, kind: "recv", addr: "time.lab:37", n: 1, data: b64("\xee"), fault: "segment=1" },
  { t: 4, stream: 3, kind: "send", addr: "time.lab:37", n: 2, data: b64("hi"), fault: "segment=2" },
  { t: 5, stream: 5, kind: "bind", local: "10.10.1.2:50000", remote: "10.10.0.7:7", addr: "echo.lab:7" },
  { t: 6, stream: 5, kind: "sendto", addr: "echo.lab:7", remote: "10.10.0.7:7", n: 1, data: b64("q") },
  { t: 7, stream: 5, kind: "drop", addr: "echo.lab:7", remote: "10.10.0.7:7", n: 1, data: b64("q"), fault: "loss-sent" },
  { t: 8, stream: 5, kind: "drop", addr: "echo.lab:7", remote: "10.10.0.7:7", n: 1, data: b64("r"), fault: "loss" },
  { t: 9, stream: 5, kind: "drop", addr: "echo.lab:7", remote: "10.10.0.7:7", n: 1 },
];

test("faultText names what the lab did", () => {
  assert.equal(W.faultText(run[2]), "split into 1-byte segments by the lab");
  assert.equal(W.faultText(run[3]), "split into 2-byte segments by the lab");
  assert.equal(W.faultText(run[6]), "dropped by the lab");
  assert.equal(W.faultText(run[7]), "dropped by the lab");
  assert.equal(W.faultText(run[8]), "");
  assert.equal(W.faultText({ kind: "recv", fault: "segment=x" }), "");
  assert.equal(W.faultText(null), "");
});

test("the bytes view and the diagram say it", () => {
  const book = new W.StreamBook();
  const texts = run.map((ev) => {
    book.note(ev);
    return W.eventText(ev, book);
  });
  assert.match(texts[2], /^received 1 byte.*, split into 1-byte segments by the lab$/);
  assert.match(texts[3], /, split into 2-byte segments by the lab$/);
  assert.equal(texts[5], "sent a 1-byte datagram to echo.lab:7");
  assert.equal(texts[6], "a 1-byte datagram to echo.lab:7 was sent and then dropped by the lab (loss)");
  assert.equal(texts[7], "a 1-byte datagram from echo.lab:7 was dropped by the lab (loss)");
  assert.match(texts[8], /too many were waiting/);

  const layout = new W.Layout();
  const items = run.map((ev, i) => layout.add(ev, i));
  assert.equal(items[6].label, "1 byte dropped by the lab");
  assert.equal(items[6].to > items[6].from, true, "a datagram the program sent goes out");
  assert.equal(items[7].label, "1 byte dropped by the lab");
  assert.equal(items[7].from > items[7].to, true, "a datagram to the program comes in");
  assert.equal(items[8].label, "1 byte dropped");
});

test("a run keeps what the lab did", () => {
  assert.equal(W.cleanEvent(run[2]).fault, "segment=1");
  assert.equal(W.cleanEvent(run[6]).fault, "loss-sent");
});

test("the run says which faults were on, with their seed", () => {
  const ev = { t: 0.5, stream: 0, kind: "faults", text: "segment=1,seed=7" };
  const book = new W.StreamBook();
  book.note(ev);
  assert.match(W.eventText(ev, book), /^the lab's faults are on: segment=1,seed=7 /);
  const item = new W.Layout().add(ev, 0);
  assert.equal(item.type, "note");
  assert.equal(item.label, "the lab's faults: segment=1,seed=7");
  assert.equal(W.cleanEvent(ev).text, "segment=1,seed=7");
});
