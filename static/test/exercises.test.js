// Checks the exercise checks and the progress helpers. Run: node --test static/test/
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const X = require("../exercises.js");

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, "check_cases.json"), "utf8"));

test("evaluate agrees with the shared cases (also run by lessons' Go tests)", () => {
  let n = 0;
  for (const ec of cases.eval) {
    for (const cc of ec.checks) {
      assert.ok(cc.check, `${ec.name}: ${cc.text} has no parsed form (run go test ./lessons -update)`);
      const got = X.evaluate(cc.check, ec.run);
      assert.deepEqual(got, { ok: cc.ok, detail: cc.detail }, `${ec.name}: ${cc.text}`);
      n++;
    }
  }
  assert.ok(n > 40, `only ${n} cases`);
});

test("every kind of check is covered by the cases, passing and failing", () => {
  const seen = new Map();
  for (const ec of cases.eval) {
    for (const cc of ec.checks) {
      const s = seen.get(cc.check.op) || new Set();
      s.add(cc.ok);
      seen.set(cc.check.op, s);
    }
  }
  for (const op of ["output-contains", "output-lacks", "output-matches", "exit", "count", "data", "order",
    "accepted", "concurrent", "listened", "connected", "refused"]) {
    assert.deepEqual([...(seen.get(op) || [])].sort(), [false, true], op);
  }
});

test("an unknown check fails and says so", () => {
  assert.deepEqual(X.evaluate({ op: "teleport" }, { output: "", exit: 0, events: [] }),
    { ok: false, detail: 'unknown check "teleport"' });
});

// A localStorage stand-in.
function memoryStorage(initial) {
  const m = new Map(Object.entries(initial || {}));
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    dump: () => Object.fromEntries(m),
  };
}

test("progress is kept per lesson, each exercise once", () => {
  const s = memoryStorage();
  assert.deepEqual(X.loadProgress(s), {});
  X.markDone(s, "02-sockets", "read-all");
  X.markDone(s, "02-sockets", "read-all");
  X.markDone(s, "03-checker", "1");
  assert.deepEqual(X.loadProgress(s), { "02-sockets": ["read-all"], "03-checker": ["1"] });
});

test("damaged progress is ignored, not fatal", () => {
  for (const bad of ["{", "[1,2]", "null", "42"]) {
    assert.deepEqual(X.loadProgress(memoryStorage({ [X.STORE_KEY]: bad })), {}, bad);
  }
});

test("summary words a lesson's progress", () => {
  assert.deepEqual(X.summary([], []), { state: "none", text: "" });
  assert.deepEqual(X.summary(["a"], []), { state: "todo", text: "1 exercise to do" });
  assert.deepEqual(X.summary(["a", "b"], ["x"]), { state: "todo", text: "2 exercises to do" });
  assert.deepEqual(X.summary(["a", "b", "c"], ["b"]), { state: "partial", text: "1 of 3 exercises done" });
  assert.deepEqual(X.summary(["a", "b"], ["b", "a", "z"]), { state: "done", text: "\u2713 done" });
});

test("a run that failed in the page says so instead of 'stopped'", () => {
  assert.deepEqual(X.evaluate({ op: "exit", n: 0 }, { output: "", exit: null, events: [], state: "error" }),
    { ok: false, detail: "the program failed before it could exit: the console says why" });
  assert.deepEqual(X.evaluate({ op: "exit", n: 0 }, { output: "", exit: null, events: [], state: "stopped" }),
    { ok: false, detail: "the program did not exit: it was stopped" });
});
