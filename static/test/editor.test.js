// The editor's pure helpers (static/editor.js): Go's byte columns, the cursor across Format,
// and the answers of the gateway's formatter. Importing editor.js needs the bundle that
// `make editor` builds (static/codemirror.js).
import test from "node:test";
import assert from "node:assert/strict";
import { byteColumn, keepCursor, formatSource } from "../editor.js";

test("byteColumn counts UTF-8 bytes as Go does", () => {
  assert.equal(byteColumn("\tfmt.Println(x)", 14), 13);
  assert.equal(byteColumn("s := \"héllo\" + y", 15), 13); // é is two bytes
  assert.equal(byteColumn("x := \"😀\" + y", 13), 10); // the emoji: four bytes, two code units
  assert.equal(byteColumn("abc", 1), 0);
  assert.equal(byteColumn("abc", 99), 3);
});

test("keepCursor keeps the cursor after the same text when only white space changes", () => {
  const before = "func main(){\nfmt.Println(\"hi\")\n}\n";
  const after = "func main() {\n\tfmt.Println(\"hi\")\n}\n";
  const at = before.indexOf("Println") + "Println".length;
  const got = keepCursor(before, after, at);
  assert.equal(after.slice(got - 7, got), "Println");
  assert.equal(keepCursor(before, after, 0), 0);
  assert.equal(keepCursor(before, after, before.length), after.length);
});

test("formatSource reads the gateway's answers", async () => {
  const answer = (status, body) => async (url, init) => {
    assert.equal(url, "/api/format");
    assert.equal(JSON.parse(init.body).source, "package main");
    return { ok: status === 200, status, json: async () => body };
  };
  assert.deepEqual(await formatSource("package main", answer(200, { ok: true, source: "package main\n" })), { ok: true, source: "package main\n" });
  const bad = await formatSource("package main", answer(200, { ok: false, diagnostics: [{ line: 1, col: 5, msg: "expected" }], error: "does not parse" }));
  assert.equal(bad.ok, false);
  assert.equal(bad.diagnostics[0].col, 5);
  assert.equal(bad.error, "does not parse");
  const limited = await formatSource("package main", answer(429, { error: "too many format requests" }));
  assert.deepEqual(limited, { ok: false, diagnostics: [], error: "too many format requests" });
  const down = await formatSource("package main", async () => { throw new Error("offline"); });
  assert.match(down.error, /could not reach the gateway to format: offline/);
});
