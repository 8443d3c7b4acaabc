// Checks how exercises ask the gateway for verdicts, and the progress helpers. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import * as X from "../exercises.js";

// fakeFetch answers like POST /api/check and records what the page sent.
function fakeFetch(status, answer) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init });
    return {
      ok: status >= 200 && status < 300,
      status,
      json: async () => {
        if (typeof answer === "string") throw new SyntaxError("not JSON");
        return answer;
      },
    };
  };
  fn.calls = calls;
  return fn;
}

test("grade posts the run as JSON to the gateway and returns its verdicts", async () => {
  const results = [{ ok: true, detail: "" }, { ok: false, detail: "the program exited with status 1" }];
  const f = fakeFetch(200, { results });
  const run = { output: "hi\n", stdout: "hi\n", stderr: "", exit: 1, state: "done", events: [{ t: 0, stream: 1, kind: "listen" }] };
  assert.deepEqual(await X.grade("02-sockets", "read-all", run, f), results);
  assert.equal(f.calls.length, 1);
  const { url, init } = f.calls[0];
  assert.equal(url, X.CHECK_URL);
  assert.equal(init.method, "POST");
  assert.equal(init.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(init.body), {
    lesson: "02-sockets", exercise: "read-all", output: "hi\n", exit: 1, state: "done",
    events: [{ t: 0, stream: 1, kind: "listen" }],
  });
});

test("grade sends a stopped run's exit as null and fills in what is missing", async () => {
  const f = fakeFetch(200, { results: [] });
  await X.grade("01-time", "1", {}, f);
  assert.deepEqual(JSON.parse(f.calls[0].init.body),
    { lesson: "01-time", exercise: "1", output: "", exit: null, state: "", events: [] });
});

test("grade rejects with the gateway's error, or its status", async () => {
  await assert.rejects(X.grade("x", "1", {}, fakeFetch(404, { error: "no exercise 1 in lesson x" })),
    { message: "no exercise 1 in lesson x" });
  await assert.rejects(X.grade("x", "1", {}, fakeFetch(502, "<html>")), { message: "the gateway answered 502" });
  await assert.rejects(X.grade("x", "1", {}, fakeFetch(200, { nothing: true })), { message: "the gateway answered 200" });
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

test("verdict words each check's result: passed, or not yet and what the run did", () => {
  assert.deepEqual(X.verdict({ ok: true, detail: "" }), { ok: true, mark: "\u2713", text: "passed" });
  const words = "the output does not show a line of the four bytes in hex, separated by spaces, like \"ec c2 0a 80\"";
  assert.deepEqual(X.verdict({ ok: false, detail: words }), { ok: false, mark: "\u2717", text: `not yet: ${words}` });
  for (const bad of [undefined, null, "x", {}, { ok: "yes" }]) {
    const v = X.verdict(bad);
    assert.equal(v.ok, false, JSON.stringify(bad));
    assert.match(v.text, /^not yet: \S/);
  }
  assert.equal(X.verdict({ ok: false, detail: "  " }).text, "not yet: the run does not do what the check wants");
});
