import { test } from "node:test";
import assert from "node:assert/strict";
import { code, decode, readCell, verdict } from "../embed-read.js";

// block stands for an element: attributes, text and the element after it.
function block(attrs, text, next = null) {
  return {
    getAttribute: (n) => (n in attrs ? attrs[n] : null),
    textContent: text,
    nextElementSibling: next,
  };
}

test("readCell reads a <pre data-socketlab> block", () => {
  const out = block({ "data-socketlab-output": "" }, "\nserver answers: HELLO\n");
  const c = readCell(block({ "data-socketlab": "", "data-id": "client", "data-with": "server", "data-args": "a 'b c'", "data-stdin": "x\\ny", "data-exit": "3", "data-faults": " segment=1,delay=10ms " }, "\npackage main\n\n", out), 2);
  assert.equal(c.id, "client");
  assert.equal(c.with, "server");
  assert.equal(c.code, "package main");
  assert.equal(c.argsText, "a 'b c'");
  assert.equal(c.faults, "segment=1,delay=10ms");
  assert.equal(c.stdin, "x\ny");
  assert.equal(c.exit, 3);
  assert.equal(c.exitGiven, true);
  assert.equal(c.output, "server answers: HELLO");
  assert.equal(c.outputBlock, out);
  assert.deepEqual(c.errors, []);
});

test("readCell reads a <socketlab-cell>'s plain attributes, and defaults", () => {
  const c = readCell(block({ args: "hello" }, "package main\n"), 4);
  assert.equal(c.id, "4");
  assert.equal(c.argsText, "hello");
  assert.equal(c.faults, "");
  assert.equal(c.stdin, null);
  assert.equal(c.exit, 0);
  assert.equal(c.exitGiven, false);
  assert.equal(c.output, null);
  assert.equal(c.with, null);
});

test("readCell reports bad attributes and keeps the defaults", () => {
  const c = readCell(block({ id: "9lives", exit: "300" }, "x"), 1);
  assert.equal(c.id, "1");
  assert.equal(c.exit, 0);
  assert.equal(c.errors.length, 2);
  assert.match(c.errors[0], /id="9lives"/);
  assert.match(c.errors[1], /exit="300"/);
});

test("decode and code", () => {
  assert.equal(decode("a\\tb\\\\n"), "a\tb\\n");
  assert.equal(code("\r\nx\n\n  "), "x");
});

test("verdict compares a finished run with what the cell expects", () => {
  const spec = { output: "hi", exit: 0, exitGiven: false };
  assert.equal(verdict(spec, { state: "exited", output: "hi\n", exit: 0 }).cls, "ok");
  const bad = verdict(spec, { state: "exited", output: "ho\n", exit: 2 });
  assert.equal(bad.cls, "bad");
  assert.match(bad.text, /status 2, the cell expects 0/);
  assert.match(bad.text, /output differs/);
  assert.equal(verdict(spec, { state: "stopped", output: "", exit: null }).cls, "");
  assert.equal(verdict({ output: null, exit: 0, exitGiven: false }, { state: "exited", output: "", exit: 0 }).cls, "");
  assert.equal(verdict({ output: null, exit: 1, exitGiven: true }, { state: "exited", output: "", exit: 1 }).cls, "ok");
});
