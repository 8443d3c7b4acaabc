import { test } from "node:test";
import assert from "node:assert/strict";

import { LIMITS, freshNotes, mergeProgress, moved, noteCellID, report, tail } from "../classroom.js";
import { cellText, keyFrom, runText } from "../teacher.js";

test("tail keeps the end", () => {
  assert.equal(tail("abcdef", 3), "def");
  assert.equal(tail("ab", 3), "ab");
  assert.equal(tail(undefined, 3), "");
});

test("report of a finished run carries code, exit, console tail and events", () => {
  const events = [{ kind: "dial", stream: 1 }, { kind: "recv", stream: 1, data: "AAEC" }];
  const r = report("01-time", "client", { state: "done", source: "package main\n", run: { output: "x".repeat(LIMITS.console + 5), exit: 0, events } }, "");
  assert.equal(r.lesson, "01-time");
  assert.equal(r.cell, "client");
  assert.equal(r.exit, 0);
  assert.equal(r.code, "package main\n");
  assert.equal(r.console.length, LIMITS.console);
  assert.deepEqual(r.events, events);
  assert.equal(r.compile_error, undefined);
});

test("report of a compile error has the console as the error and no exit", () => {
  const r = report("01-time", "client", { state: "compile-error", source: "bad", run: null }, "main.go:1: syntax error");
  assert.equal(r.exit, null);
  assert.equal(r.compile_error, "main.go:1: syntax error");
  assert.deepEqual(r.events, []);
});

test("report caps the events by count and bytes", () => {
  const events = Array.from({ length: 50 }, (_, i) => ({ kind: "send", stream: i, data: "QUJD" }));
  const r = report("l", "c", { state: "done", run: { events } }, "", { ...LIMITS, events: 10 });
  assert.equal(r.events.length, 10);
  const size = JSON.stringify(events[0]).length;
  const r2 = report("l", "c", { state: "done", run: { events } }, "", { ...LIMITS, eventBytes: size * 3 + 1 });
  assert.equal(r2.events.length, 3);
});

test("keyFrom reads the fragment", () => {
  assert.equal(keyFrom("#key=abc123"), "abc123");
  assert.equal(keyFrom(""), "");
  assert.equal(keyFrom("#other=1"), "");
});

test("runText words a run", () => {
  assert.equal(runText(null), "no run yet");
  assert.equal(runText({ state: "done", exit: 0 }), "done, exit 0");
  assert.equal(runText({ state: "compile-error", exit: null, error: "x.go:3: undefined: y" }), "compile error: x.go:3: undefined: y");
});

test("mergeProgress adds what was passed elsewhere, once", () => {
  const p = { "01-time": ["show-bytes"] };
  assert.deepEqual(mergeProgress(p, { "01-time": ["show-bytes", "other"], "02-sockets": ["hello-txt"] }), ["01-time/other", "02-sockets/hello-txt"]);
  assert.deepEqual(p, { "01-time": ["show-bytes", "other"], "02-sockets": ["hello-txt"] });
  assert.deepEqual(mergeProgress(p, { "01-time": ["other"] }), []);
  assert.deepEqual(mergeProgress(p, null), []);
  assert.deepEqual(mergeProgress(p, { x: "not a list" }), []);
});

test("freshNotes are the notes after the last one shown", () => {
  const notes = [{ seq: 3 }, { seq: 7 }, { seq: 9 }];
  assert.deepEqual(freshNotes(notes, 0), notes);
  assert.deepEqual(freshNotes(notes, 7), [{ seq: 9 }]);
  assert.deepEqual(freshNotes(notes, 9), []);
});

test("moved: the notes come from another server than before", () => {
  assert.equal(moved("", "a1"), false); // the first answer
  assert.equal(moved("a1", "a1"), false);
  assert.equal(moved("a1", "b2"), true);
  assert.equal(moved("a1", undefined), false); // an older gateway says nothing
});

test("a note's code is the cell note-SEQ, which the teacher's feed calls their cell", () => {
  assert.equal(noteCellID({ seq: 7 }), "note-7");
  assert.equal(noteCellID({}), "note-0");
  assert.equal(cellText(noteCellID({ seq: 7 })), "your cell (note 7)");
  assert.equal(cellText("client"), "cell client");
  assert.equal(cellText("note-x"), "cell note-x");
});
