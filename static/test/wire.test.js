// Checks wire-model.js, the pure half of the wire views: labels, what a run keeps, the
// diagram layout, replay and annotations. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import * as F from "../format.js";
import * as W from "../wire-model.js";

const b64 = (s) => Buffer.from(s, "latin1").toString("base64");
const bytes = (s) => new Uint8Array(Buffer.from(s, "latin1"));

// The events of lesson 1's client, as the runtime reported them in a real run.
const timeRun = [
  { t: 1.899, stream: 1, kind: "lookup", addr: "time.lab" },
  { t: 13.199, stream: 1, kind: "answer", addr: "time.lab", addrs: ["10.10.0.37"] },
  { t: 14.999, stream: 3, kind: "dial", addr: "time.lab:37", remote: "10.10.0.37:37" },
  { t: 17.399, stream: 3, kind: "connected", addr: "time.lab:37", local: "10.10.129.190:37432", remote: "10.10.0.37:37", micros: 126 },
  { t: 19.599, stream: 3, kind: "recv", addr: "time.lab:37", n: 4, data: "7qu0tA==" },
  { t: 21.1, stream: 3, kind: "close", addr: "time.lab:37" },
];

// An HTTP GET with the response in two pieces.
const req = "GET / HTTP/1.0\r\nHost: web.lab\r\n\r\n";
const resp1 = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n";
const resp2 = "\r\nhello";
const webRun = [
  { t: 1, stream: 2, kind: "dial", addr: "web.lab:80" },
  { t: 2, stream: 2, kind: "connected", addr: "web.lab:80" },
  { t: 3, stream: 2, kind: "send", addr: "web.lab:80", n: req.length, data: b64(req) },
  { t: 4, stream: 2, kind: "recv", addr: "web.lab:80", n: resp1.length, data: b64(resp1) },
  { t: 5, stream: 2, kind: "recv", addr: "web.lab:80", n: resp2.length, data: b64(resp2) },
  { t: 6, stream: 2, kind: "fin-recv", addr: "web.lab:80" },
  { t: 7, stream: 2, kind: "close", addr: "web.lab:80" },
];

test("sizeText", () => {
  const cases = [[0, "0 bytes"], [1, "1 byte"], [18, "18 bytes"], [10239, "10239 bytes"], [10240, "10 KiB"],
    [65536, "64 KiB"], [100000, "97.7 KiB"], [10 << 20, "10 MiB"]];
  for (const [n, want] of cases) assert.equal(W.sizeText(n), want, `sizeText(${n})`);
});

test("b64len and b64prefix work on base64 without decoding", () => {
  for (const s of ["", "a", "ab", "abc", "abcd", "hello, world"]) {
    assert.equal(W.b64len(b64(s)), s.length, s);
  }
  assert.equal(W.b64len(undefined), 0);
  const s = b64("0123456789");
  assert.deepEqual(W.b64prefix(s, 100), { data: s, bytes: 10 });
  for (let n = 0; n < 10; n++) {
    const p = W.b64prefix(s, n);
    assert.equal(p.bytes, n);
    assert.equal(Buffer.from(p.data, "base64").toString("latin1"), "0123456789".slice(0, n));
    assert.equal(W.b64len(p.data), n);
  }
});

test("keepData keeps payloads whole, then their first bytes, then nothing", () => {
  const limits = { fullBudget: 100, prefix: 12, keepTotal: 130 };
  const data = b64("x".repeat(60));
  const cases = [
    { kept: 0, want: { bytes: 60, cut: 0 } }, // under the budget: whole
    { kept: 40, want: { bytes: 60, cut: 0 } }, // exactly up to it
    { kept: 41, want: { bytes: 12, cut: 48 } }, // past it: the first 12
    { kept: 125, want: { bytes: 5, cut: 55 } }, // what is left of keepTotal
    { kept: 130, want: { bytes: 0, cut: 60 } }, // nothing left
  ];
  for (const c of cases) {
    const k = W.keepData(data, 60, c.kept, limits);
    assert.equal(k.bytes, c.want.bytes, `kept ${c.kept}`);
    assert.equal(k.cut, c.want.cut, `kept ${c.kept}`);
    assert.equal(W.b64len(k.data), k.bytes);
  }
  // n larger than the data (the data was cut before): cut counts from n
  assert.equal(W.keepData(b64("abc"), 1000, 0, limits).cut, 997);
  assert.deepEqual(W.keepData(undefined, undefined, 0, limits), { data: "", bytes: 0, cut: 0 });
});

test("cleanEvent keeps the runtime's fields only", () => {
  assert.deepEqual(W.cleanEvent({ t: 1, stream: 2, kind: "recv", n: 4, data: "AAAA", extra: 1, addr: null }),
    { t: 1, stream: 2, kind: "recv", n: 4, data: "AAAA" });
});

test("shortLabel: first line of text, or hex", () => {
  const cases = [
    ["GET / HTTP/1.0\r\nHost: x\r\n\r\n", undefined, '"GET / HTTP/1.0" \u2026'],
    ["hello\n", undefined, '"hello"'],
    ["hello", undefined, '"hello"'],
    ["\xee\xab\xb4\xb4", undefined, "ee ab b4 b4"],
    ["\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", undefined, "00 01 02 03 04 05 06 07 \u2026"],
    ["\r\n", undefined, "(empty line)"],
    ["", undefined, ""],
    ["abc", 100, '"abc" \u2026'], // only the start of a bigger payload
    ["x".repeat(60), undefined, '"' + "x".repeat(40) + '" \u2026'],
  ];
  for (const [s, n, want] of cases) assert.equal(W.shortLabel(bytes(s), n), want, JSON.stringify(s));
});

test("stepText says what the program is about to do", () => {
  const cases = [
    [{ kind: "send", stream: 2, addr: "web.lab:80", n: 18 }, "about to send 18 bytes to web.lab:80"],
    [{ kind: "send", addr: "web.lab:80", n: 18, text: "GET / HTTP/1.0\r\n\r\n" }, 'about to send 18 bytes to web.lab:80: "GET / HTTP/1.0" \u2026'],
    [{ kind: "dial", addr: "time.lab:37" }, "about to connect to time.lab:37"],
    [{ kind: "lookup", addr: "time.lab" }, "about to look up time.lab"],
    [{ kind: "recv", addr: "time.lab:37", n: 4 }, "about to read from time.lab:37 (up to 4 bytes)"],
    [{ kind: "sendto", addr: "time.lab:37", n: 0 }, "about to send a 0-byte datagram to time.lab:37"],
    [{ kind: "close", addr: "time.lab:37" }, "about to close the connection to time.lab:37"],
    [{ kind: "accept" }, "about to wait for a client to connect"],
    [{ kind: "send", text: "about to do exactly this" }, "about to do exactly this"],
    [undefined, "about to do a socket operation"],
  ];
  for (const [about, want] of cases) assert.equal(W.stepText(about), want);
});

test("layout of lesson 1: program and time.lab:37, connect, 4 bytes, close", () => {
  const l = W.layoutEvents(timeRun);
  assert.deepEqual(l.lanes.map((x) => x.name), ["your program", "time.lab:37"]);
  const got = l.items.map((it) => [it.index, it.type, it.from, it.to, it.cls, it.label]);
  assert.deepEqual(got, [
    [0, "note", 0, 0, "note", "look up time.lab"],
    [1, "note", 0, 0, "note", "time.lab is 10.10.0.37"],
    [2, "arrow", 0, 1, "ctl", "connect"],
    [3, "arrow", 1, 0, "ctl", "connected in 0.1 ms"],
    [4, "arrow", 1, 0, "recv", "4 bytes: ee ab b4 b4"],
    [5, "mark", 0, 1, "close", "close"],
  ]);
  assert.deepEqual(l.items.map((it) => it.row), [0, 1, 2, 3, 4, 5]);
  assert.equal(l.items[4].title, "received 4 bytes from time.lab:37");
  assert.equal(l.more(), "");
  // the first five events: no close yet
  const back = W.layoutEvents(timeRun, {}, 5);
  assert.equal(back.items.length, 5);
  assert.ok(!back.items.some((it) => it.cls === "close"));
});

test("layout of a server: accepted clients get lanes of their own", () => {
  const evs = [
    { stream: 1, kind: "listen", local: "[::]:8500" },
    { stream: 2, kind: "accept", addr: "10.10.1.2:40000", remote: "10.10.1.2:40000", local: "10.10.1.9:8500" },
    { stream: 2, kind: "recv", addr: "10.10.1.2:40000", n: 3, data: b64("hi\n") },
    { stream: 2, kind: "send", addr: "10.10.1.2:40000", n: 3, data: b64("HI\n") },
    { stream: 2, kind: "fin-sent", addr: "10.10.1.2:40000" },
    { stream: 2, kind: "reset", addr: "10.10.1.2:40000", error: "connection reset by peer" },
    { stream: 1, kind: "close", addr: "[::]:8500" },
  ];
  const l = W.layoutEvents(evs);
  assert.deepEqual(l.lanes.map((x) => [x.name, x.sub]), [["your program", "this cell"], ["10.10.1.2:40000", "TCP client"]]);
  const got = l.items.map((it) => [it.type, it.from, it.to, it.cls, it.label]);
  assert.deepEqual(got, [
    ["note", 0, 0, "note", "listen on [::]:8500"],
    ["arrow", 1, 0, "ctl", "connects, accepted"],
    ["arrow", 1, 0, "recv", '3 bytes: "hi"'],
    ["arrow", 0, 1, "send", '3 bytes: "HI"'],
    ["arrow", 0, 1, "fin", "FIN"],
    ["arrow", 1, 0, "rst", "RST: connection reset by peer"],
    ["note", 0, 0, "note", "stop listening"],
  ]);
  assert.equal(l.items[6].title, "stopped listening on [::]:8500");
});

test("layout of UDP: one lane per peer address, drops and errors", () => {
  const evs = [
    { stream: 4, kind: "bind", local: "10.10.1.2:5000" },
    { stream: 4, kind: "sendto", addr: "time.lab:37", remote: "10.10.0.37:37", n: 0 },
    { stream: 4, kind: "recvfrom", addr: "time.lab:37", remote: "10.10.0.37:37", n: 4, data: "7qu0tA==" },
    { stream: 4, kind: "drop", addr: "echo.lab:7", n: 9 },
    { stream: 4, kind: "error", error: "network unreachable" },
    { stream: 4, kind: "close", addr: "10.10.1.2:5000" },
  ];
  const l = W.layoutEvents(evs);
  assert.deepEqual(l.lanes.map((x) => x.key), ["program", "udp time.lab:37", "udp echo.lab:7"]);
  const got = l.items.map((it) => [it.type, it.from, it.to, it.cls, it.label]);
  assert.deepEqual(got, [
    ["note", 0, 0, "note", "UDP socket 10.10.1.2:5000"],
    ["arrow", 0, 1, "send", "0 bytes"],
    ["arrow", 1, 0, "recv", "4 bytes: ee ab b4 b4"],
    ["arrow", 2, 0, "drop", "9 bytes dropped"],
    ["note", 0, 0, "error", "error: network unreachable"],
    ["note", 0, 0, "note", "close the UDP socket"],
  ]);
  assert.equal(l.items[1].title, "sent a 0-byte datagram to time.lab:37");
});

test("a refused dial draws the error as the answer", () => {
  const l = W.layoutEvents([
    { stream: 3, kind: "dial", addr: "time.lab:38" },
    { stream: 3, kind: "error", addr: "time.lab:38", error: "connection refused", code: "refused" },
  ]);
  assert.deepEqual(l.items.map((it) => [it.type, it.from, it.to, it.cls, it.label]), [
    ["arrow", 0, 1, "ctl", "connect"],
    ["arrow", 1, 0, "error", "error: connection refused"],
  ]);
});

test("layout draws every event: peers past the lane limit share a lane; rows are capped", () => {
  const evs = [];
  for (let i = 0; i < 10; i++) evs.push({ stream: i, kind: "dial", addr: `echo.lab:${7000 + i}` });
  const l = W.layoutEvents(evs, { limits: { lanes: 3, rows: 100 } });
  assert.equal(l.lanes.length, 5); // the program, three peers and the shared lane
  assert.deepEqual(l.lanes[4], { key: "others", name: "other peers", sub: "7 peers" });
  assert.equal(l.items.length, 10);
  assert.deepEqual(l.items.map((it) => it.to), [1, 2, 3, 4, 4, 4, 4, 4, 4, 4]);
  assert.equal(l.items[9].title, "dialing echo.lab:7009");
  assert.equal(l.more(), "7 more peers share the last lane");

  const many = [{ stream: 1, kind: "dial", addr: "echo.lab:7" }];
  for (let i = 0; i < 50; i++) many.push({ stream: 1, kind: "send", addr: "echo.lab:7", n: 1, data: b64("x") });
  const r = W.layoutEvents(many, { limits: { rows: 20 } });
  assert.equal(r.items.length, 20);
  assert.equal(r.more(), "31 more events not drawn");
});

test("summaries from the annotator replace the short labels", () => {
  const l = W.layoutEvents(webRun, { summaries: new Map([[2, "GET /"], [3, "200 OK"]]) });
  const labels = l.items.map((it) => it.label);
  assert.equal(labels[2], `${req.length} bytes: GET /`);
  assert.equal(labels[3], `${resp1.length} bytes: 200 OK`);
  assert.equal(labels[4], '7 bytes: (empty line) \u2026');
});

test("preview draws what a paused program will do, without changing the layout", () => {
  const l = W.layoutEvents(webRun.slice(0, 2));
  const p = l.preview({ kind: "send", stream: 2, addr: "web.lab:80", n: 18 });
  assert.equal(p.type, "arrow");
  assert.equal(p.from, 0);
  assert.equal(p.to, 1);
  assert.equal(p.cls, "pending");
  assert.equal(p.row, 2);
  assert.equal(p.label, "about to send 18 bytes to web.lab:80");
  assert.equal(l.items.length, 2);
  const q = l.preview({ kind: "lookup", addr: "ftp.lab" });
  assert.equal(q.type, "note");
});

test("replayState folds the first p events", () => {
  const cases = [
    [0, { shown: 0, sent: 0, received: 0, open: 0, last: null }],
    [4, { shown: 4, sent: 0, received: 0, open: 1, last: timeRun[3] }],
    [5, { shown: 5, sent: 0, received: 4, open: 1, last: timeRun[4] }],
    [6, { shown: 6, sent: 0, received: 4, open: 0, last: timeRun[5] }],
    [99, { shown: 6, sent: 0, received: 4, open: 0, last: timeRun[5] }],
  ];
  for (const [p, want] of cases) {
    const st = W.replayState(timeRun, p);
    for (const k of Object.keys(want)) assert.deepEqual(st[k], want[k], `p=${p} ${k}`);
    assert.equal(st.total, 6);
  }
  assert.equal(W.replayState(webRun, 7).sent, req.length);
});

test("resolveAnnotations puts each note on the event the gateway names, at its offset there", () => {
  const messages = [
    { stream: 2, event: 2, dir: "to-server", off: 0, len: req.length, summary: "GET /",
      notes: [{ event: 2, off: 0, len: 3, label: "method", detail: "GET" }, { event: 2, off: 16, len: 15, label: "header", detail: "Host" }] },
    // the response spans two events; its notes fall in both
    { stream: 2, event: 3, dir: "to-client", off: 0, len: resp1.length + resp2.length, summary: "200 OK",
      notes: [
        { event: 3, off: 9, len: 3, label: "status", detail: "200: OK" },
        { event: 4, off: 2, len: 5, label: "body", detail: "5 bytes" },
        { event: 4, off: 4, len: 50, label: "cut", detail: "past the bytes kept" },
        { event: 1, off: 0, len: 1, label: "no", detail: "not a payload" },
      ] },
    { stream: 9, event: 0, dir: "to-server", off: 0, len: 1, summary: "no such stream" },
    { stream: 2, event: 3, dir: "to-client", off: 0, len: 1, summary: "wrong stream", notes: [{ event: 2, off: 0, len: 1, label: "x" }] },
    null,
  ];
  messages[3].stream = 7;
  const { byEvent, summaries } = W.resolveAnnotations(webRun, messages);
  assert.deepEqual([...summaries], [[2, "GET /"], [3, "200 OK"]]);
  assert.deepEqual(byEvent.get(2).notes.map((n) => [n.off, n.len, n.label]), [[0, 3, "method"], [16, 15, "header"]]);
  assert.deepEqual(byEvent.get(3).messages, [{ summary: "200 OK", off: 0, len: resp1.length + resp2.length }]);
  assert.deepEqual(byEvent.get(3).notes.map((n) => [n.off, n.len, n.label]), [[9, 3, "status"]]);
  assert.deepEqual(byEvent.get(4).notes.map((n) => [n.off, n.len, n.label]), [[2, 5, "body"], [4, 3, "cut"]]);
  assert.equal(byEvent.has(0), false);
  assert.equal(byEvent.has(1), false);
});

// The gateway's answers for runs with several messages in one read and messages cut over
// reads, in every protocol it knows (gateway/annotate_test.go writes the file).
const annotateCases = JSON.parse(fs.readFileSync(new URL("annotate_cases.json", import.meta.url), "utf8"));

// marked lists what the page shows marked for notes labelled label: "event:bytes".
function marked(events, byEvent, label) {
  const out = [];
  for (const [i, a] of [...byEvent].sort((x, y) => x[0] - y[0])) {
    for (const n of a.notes) {
      if (n.label !== label) continue;
      const b = Buffer.from(events[i].data, "base64").subarray(n.off, n.off + n.len);
      out.push(`${i}:${b.toString("latin1")}`);
    }
  }
  return out;
}

test("resolveAnnotations: the gateway's notes land on their bytes, in every protocol", () => {
  assert.ok(Object.keys(annotateCases).length >= 7);
  for (const [name, c] of Object.entries(annotateCases)) {
    const { byEvent } = W.resolveAnnotations(c.events, c.messages);
    let notes = 0;
    for (const [i, a] of byEvent) {
      assert.ok(W.DATA_KINDS.has(c.events[i].kind), `${name}: notes on event ${i}, a ${c.events[i].kind}`);
      for (const n of a.notes) {
        assert.ok(n.off + n.len <= W.b64len(c.events[i].data), `${name}: ${n.label} at ${n.off}+${n.len} of event ${i}`);
        notes++;
      }
    }
    const want = c.messages.reduce((k, m) => k + (m.notes || []).length, 0);
    assert.equal(notes, want, `${name}: every note shown`);
  }
  const ftp = annotateCases.ftp;
  const f = W.resolveAnnotations(ftp.events, ftp.messages).byEvent;
  // Four replies in one read: each code on its own bytes of that block.
  assert.deepEqual(marked(ftp.events, f, "reply code").filter((s) => s.startsWith("4:")), ["4:331", "4:230", "4:257", "4:250"]);
  assert.deepEqual(f.get(4).messages.map((m) => m.summary.slice(0, 3)), ["331", "230", "257", "250"]);
  assert.deepEqual(marked(ftp.events, f, "command"), ["3:USER", "3:PASS", "3:PWD", "3:CWD", "5:FEAT", "8:PA", "9:SV", "13:QUIT"]);
  // A data address cut between two reads is marked in both.
  assert.deepEqual(marked(ftp.events, f, "data address"), ["10:10,10,0,21,1", "11:56,64"]);
  const web = annotateCases.http;
  const w = W.resolveAnnotations(web.events, web.messages).byEvent;
  assert.deepEqual(marked(web.events, w, "method"), ["2:GET", "2:GET"]);
  assert.deepEqual(marked(web.events, w, "status code"), ["3:200", "3:404"]);
  assert.ok(marked(web.events, w, "header").includes("3:Con") && marked(web.events, w, "header").includes("4:tent-Le"));
  const srv = annotateCases["http-server"];
  const s = W.resolveAnnotations(srv.events, srv.messages).byEvent;
  assert.deepEqual(marked(srv.events, s, "target"), ["1:/notes.txt", "1:/favicon.ico"]);
  assert.deepEqual(marked(srv.events, s, "status code"), ["3:200", "4:404"]);
});

test("markRow splits a dump row around a span", () => {
  const rows = F.hexRows(bytes("GET / HTTP/1.0\r\n\r\n"));
  const m = W.markRow(rows[0], 0, 0, 3);
  assert.deepEqual(m.hex, ["", "47 45 54", rows[0].hex.slice(8)]);
  assert.deepEqual(m.text, ["", "GET", " / HTTP/1.0\u240d\u240a"]);
  const across = W.markRow(rows[0], 0, 6, 10); // crosses the gap after the eighth byte
  assert.equal(across.hex[1], "48 54  54 50");
  assert.equal(across.text[1], "HTTP");
  assert.equal(W.markRow(rows[1], 16, 0, 3), null);
  assert.deepEqual(W.markRow(rows[1], 16, 14, 17).text, ["", "\u240d", "\u240a"]);
});

test("exportJSON is the body the export endpoints take, with the run's start", () => {
  assert.deepEqual(JSON.parse(W.exportJSON(timeRun)), { events: timeRun });
  assert.deepEqual(JSON.parse(W.exportJSON(timeRun, 1765063640123.5)), { events: timeRun, start: 1765063640123.5 });
});

test("Run.start is the wall-clock time the run's event times count from", () => {
  const r = new W.Run(1, false);
  assert.equal(r.start, null);
  // The run began at 1,000,000 ms; each event arrives 2 to 9 ms after its t.
  const began = 1000000;
  const late = [9, 2, 5, 7, 3, 4];
  timeRun.forEach((ev, i) => r.add(ev, began + ev.t + late[i]));
  assert.ok(Math.abs(r.start - (began + 2)) < 1e-6, `start ${r.start}, want ${began + 2}`);
  // An event without t leaves it alone.
  r.add({ stream: 1, kind: "close" }, 5);
  assert.ok(Math.abs(r.start - (began + 2)) < 1e-6);
  // The export carries it.
  assert.equal(JSON.parse(W.exportJSON(r.events, r.start)).start, r.start);
});

test("Run keeps cleaned events, counts bytes both ways and stops keeping past the limits", () => {
  const limits = Object.assign({}, W.LIMITS, { events: 5, fullBudget: 40, prefix: 8, keepTotal: 60 });
  const r = new W.Run(1, false, limits);
  assert.equal(r.add(null), false);
  assert.equal(r.add("recv"), false);
  for (const ev of webRun) assert.equal(r.add(Object.assign({ junk: 1 }, ev)), true);
  assert.equal(r.events.length, 5);
  assert.equal(r.notKept, 2);
  assert.equal(r.sent, req.length);
  assert.equal(r.received, resp1.length + resp2.length);
  assert.equal(r.events[0].junk, undefined);
  // The request (33 bytes) is kept whole; the first response passes the 40-byte budget and
  // keeps its first 8 bytes, with n still its whole size; the second (7 bytes) fits in 8.
  assert.equal(Buffer.from(r.events[2].data, "base64").toString("latin1"), req);
  assert.equal(Buffer.from(r.events[3].data, "base64").toString("latin1"), resp1.slice(0, 8));
  assert.equal(r.events[3].n, resp1.length);
  assert.equal(r.kept, req.length + 8 + resp2.length);
  r.ended = true;
  assert.equal(r.add(webRun[0]), false);
});

test("Run replays: seek clamps, shown counts, status words the position", () => {
  const r = new W.Run(1, false);
  for (const ev of webRun) r.add(ev);
  assert.equal(r.status(), `7 events \u00b7 so far ${req.length} bytes sent, ${resp1.length + resp2.length} bytes received`);
  r.ended = true;
  assert.equal(r.shown(), 7);
  assert.equal(r.seek(-3), 0);
  assert.equal(r.pos, 0);
  assert.equal(r.status(), "event 0 of 7 \u00b7 so far 0 bytes sent, 0 bytes received");
  assert.equal(r.seek(3), 3);
  assert.equal(r.shown(), 3);
  assert.equal(r.status(), `event 3 of 7 \u00b7 3.0 ms \u00b7 sent ${req.length} bytes to web.lab:80 \u00b7 so far ${req.length} bytes sent, 0 bytes received`);
  assert.equal(r.seek(99), 7);
  assert.equal(r.pos, null);
});
