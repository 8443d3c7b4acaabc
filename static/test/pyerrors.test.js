// The reader of Python's syntax errors (static/pyerrors.js), on what real interpreters printed:
// test/python_errors.json, which `go test ./static -run PythonErrorFixtures` checks against the
// interpreters of the machine (and -update rewrites). Each answer is checked against the
// numbers of the SyntaxError itself, which the same interpreter gave.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parsePythonError } from "../pyerrors.js";

const fx = JSON.parse(readFileSync(new URL("./python_errors.json", import.meta.url), "utf8"));
const sources = Object.fromEntries(fx.cases.map((c) => [c.name, c.source]));

test("the fixture holds Python 3.11, 3.12 and 3.13", () => {
  const versions = new Set(fx.runs.map((r) => r.python.split(".").slice(0, 2).join(".")));
  for (const v of ["3.11", "3.12", "3.13"]) assert.ok(versions.has(v), `no runs of Python ${v}`);
  assert.ok(fx.runs.length >= fx.cases.length * 3);
});

for (const run of fx.runs) {
  test(`Python ${run.python}: ${run.case}`, () => {
    const src = sources[run.case];
    const got = parsePythonError(run.stderr, src);
    const e = run.error;
    if (e === null) {
      assert.equal(got, null, "a program that compiles has no syntax error");
      return;
    }
    assert.ok(got, `no error read from:\n${run.stderr}`);
    assert.equal(got.line, e.lineno);
    assert.equal(got.msg, `${e.type}: ${e.msg}`);
    assert.equal(got.file, "main.py");
    const lines = run.stderr.trimEnd().split("\n");
    const caret = /^\s*[\^~]+\s*$/.test(lines[lines.length - 2]);
    if (!caret) {
      assert.equal(got.col, 0, "no caret: the whole line");
      return;
    }
    assert.equal(got.col, e.offset, "the caret's column is the error's offset");
    assert.ok(got.endCol > got.col);
    if (e.end_lineno === e.lineno && e.end_offset > e.offset) {
      const ascii = /^[\x00-\x7f]*$/.test(src.split("\n")[e.lineno - 1]);
      const [major, minor] = run.python.split(".").map(Number);
      if (ascii || major > 3 || minor >= 13) {
        assert.equal(got.endCol, e.end_offset, "the carets end where the error ends");
      } else {
        // Before 3.13 Python draws the carets of a line with characters beyond ASCII one per
        // byte: the range runs past the error, and stops at the end of the line.
        assert.ok(got.endCol >= e.end_offset);
      }
    }
  });
}

test("colour codes, Windows line ends and a runtime error after the syntax error's text", () => {
  const text = "\x1b[35m  File \"main.py\", line 2\x1b[0m\r\n    print(1 +)\r\n             \x1b[31m^\x1b[0m\r\n\x1b[1mSyntaxError\x1b[0m: invalid syntax\r\n";
  assert.deepEqual(parsePythonError(text, "x = 1\n  print(1 +)\n"), { file: "main.py", line: 2, col: 12, endCol: 13, msg: "SyntaxError: invalid syntax" });
  assert.equal(parsePythonError("Traceback (most recent call last):\n  File \"main.py\", line 1, in <module>\nNameError: name 'x' is not defined\n"), null);
  assert.equal(parsePythonError(""), null);
  assert.equal(parsePythonError("SyntaxError: invalid syntax\n"), null, "no File line: nowhere to mark");
  // Without the source, columns count from the line's first character that is not white space.
  assert.equal(parsePythonError("  File \"main.py\", line 3\n    print(1 +)\n             ^\nSyntaxError: invalid syntax\n").col, 10);
});
