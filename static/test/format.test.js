// Checks the page's pure helpers. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import * as F from "../format.js";

test("splitArgs matches the shared cases (also read by lessons' Go tests)", () => {
  const cases = JSON.parse(fs.readFileSync(new URL("args_cases.json", import.meta.url), "utf8"));
  assert.ok(cases.length > 5);
  for (const c of cases) {
    assert.deepEqual(F.splitArgs(c.in), c.want, `splitArgs(${JSON.stringify(c.in)})`);
  }
});

test("printable makes CR and LF visible and hides other control bytes", () => {
  const cases = [
    [0x0d, "\u240d"], [0x0a, "\u240a"], [0x41, "A"], [0x20, " "], [0x7e, "~"],
    [0x00, "."], [0x09, "."], [0x7f, "."], [0x80, "."], [0xff, "."],
  ];
  for (const [b, want] of cases) assert.equal(F.printable(b), want, `byte ${b}`);
});

test("hexRows lays out 16 bytes a row with padded short rows", () => {
  assert.deepEqual(F.hexRows(new Uint8Array(0)), []);

  const four = F.hexRows(Uint8Array.of(0xec, 0xc2, 0x0a, 0x80));
  assert.equal(four.length, 1);
  assert.equal(four[0].offset, "0000");
  assert.equal(four[0].hex, "ec c2 0a 80" + "   ".repeat(4) + " " + "   ".repeat(8));
  assert.equal(four[0].text, "..\u240a.");

  const req = new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n");
  const rows = F.hexRows(req);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].hex, "47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a");
  assert.equal(rows[0].text, "GET / HTTP/1.0\u240d\u240a");
  assert.equal(rows[1].offset, "0010");
  assert.equal(rows[1].text, "\u240d\u240a");
  // every row's hex column has the same width, so the text column lines up
  assert.equal(rows[1].hex.length, rows[0].hex.length);

  const big = F.hexRows(new Uint8Array(0x12345));
  assert.equal(big[big.length - 1].offset, "12340");
  assert.equal(big[0].offset, "00000");
});

test("base64ToBytes decodes event data", () => {
  assert.deepEqual(Array.from(F.base64ToBytes("7MIKgA==")), [0xec, 0xc2, 0x0a, 0x80]);
  assert.equal(F.base64ToBytes("").length, 0);
  assert.equal(F.base64ToBytes(undefined).length, 0);
});

test("dataHeader names direction, count and peer", () => {
  assert.equal(F.dataHeader("recv", 4, "time.lab:37"), "received 4 bytes from time.lab:37");
  assert.equal(F.dataHeader("send", 18, "web.lab:80"), "sent 18 bytes to web.lab:80");
  assert.equal(F.dataHeader("recv", 1, "x:1"), "received 1 byte from x:1");
});

test("eventLine describes the other socket events", () => {
  const peer = "time.lab:37";
  const cases = [
    [{ kind: "dial" }, "dialing time.lab:37"],
    [{ kind: "connected", remote: "10.7.0.37:37", local: "10.7.1.2:40000" }, "connected to time.lab:37 (10.7.0.37:37) from 10.7.1.2:40000"],
    [{ kind: "connected" }, "connected to time.lab:37"],
    [{ kind: "fin-sent" }, "you finished sending to time.lab:37 (FIN sent)"],
    [{ kind: "fin-recv" }, "time.lab:37 finished sending (FIN received): no more data will come"],
    [{ kind: "close" }, "connection to time.lab:37 closed"],
    [{ kind: "error", error: "connection refused" }, "error on time.lab:37: connection refused"],
    [{ kind: "connected", remote: "10.7.0.37:37", micros: 420 }, "connected to time.lab:37 (10.7.0.37:37) in 0.4 ms"],
    [{ kind: "lookup", addr: "time.lab" }, "looking up time.lab"],
    [{ kind: "answer", addr: "time.lab", addrs: ["10.7.0.37", "fd00::37"] }, "time.lab is 10.7.0.37, fd00::37"],
    [{ kind: "reset", error: "peer went away" }, "time.lab:37 reset the connection: peer went away"],
    [{ kind: "reset-sent" }, "you reset the connection to time.lab:37"],
    [{ kind: "lookup", addr: "nowhere.lab", error: "no such host" }, "looking up nowhere.lab failed: no such host"],
    [{ kind: "listen" }, "listen time.lab:37"],
  ];
  for (const [ev, want] of cases) assert.equal(F.eventLine(ev, peer), want);
});

test("formatDiagnostic reads like go build", () => {
  assert.equal(F.formatDiagnostic({ line: 12, col: 5, msg: "undefined: x" }), "main.go:12:5: undefined: x");
  assert.equal(F.formatDiagnostic({ line: 3, msg: "bad" }), "main.go:3: bad");
});

test("formatMillis", () => {
  assert.equal(F.formatMillis(0.25), "0.3 ms");
  assert.equal(F.formatMillis(42.4), "42 ms");
  assert.equal(F.formatMillis(12345), "12.3 s");
  assert.equal(F.formatMillis(undefined), "");
});

test("compileStatus shows the place in the compile queue, then the compile's seconds", () => {
  assert.equal(F.compileStatus({ waiting: true, ahead: 3, estimate_ms: 4200 }, 2), "waiting for a compiler: 3 compiles ahead, about 5s");
  assert.equal(F.compileStatus({ waiting: true, ahead: 1, estimate_ms: 900 }, 0), "waiting for a compiler: 1 compile ahead, about 1s");
  assert.equal(F.compileStatus({ waiting: true, ahead: 0, estimate_ms: 0 }, 0), "waiting for a compiler: next in line, about 1s");
  assert.equal(F.compileStatus({ waiting: false, ahead: 0 }, 3), "compiling\u2026 3s");
  assert.equal(F.compileStatus(null, 0), "compiling\u2026");
});
