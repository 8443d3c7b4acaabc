import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeShare, decodeShare, isShare, toBase64URL, fromBase64URL, MAX_UNPACKED } from "../share.js";

test("a share link carries code, arguments and stdin", async () => {
  const run = { code: "package main\n\nfunc main() {\n\tprintln(\"héllo ✓\")\n}\n", args: '-a web.lab "two words"', stdin: "line 1\nline 2\n" };
  const hash = await encodeShare("01-time-client", run);
  assert.match(hash, /^#share=1\.01-time-client\.[A-Za-z0-9_-]+$/);
  assert.ok(isShare(hash));
  assert.deepEqual(await decodeShare(hash), { cell: "01-time-client", ...run });
});

test("a program of a few kilobytes makes a link of about half as many characters", async () => {
  const code = "package main\n\nimport \"fmt\"\n\n" + Array.from({ length: 120 }, (_, i) => `func f${i}() { fmt.Println("line ${i}") }\n`).join("");
  const hash = await encodeShare("a-1", { code, args: "", stdin: "" });
  assert.ok(code.length > 4000);
  assert.ok(hash.length < code.length / 2, `${hash.length} characters for ${code.length}`);
});

test("base64url round trip, without padding", () => {
  for (const n of [0, 1, 2, 3, 4, 255, 70000]) {
    const b = new Uint8Array(n).map((_, i) => (i * 37) & 255);
    const s = toBase64URL(b);
    assert.doesNotMatch(s, /[+/=]/);
    assert.deepEqual(fromBase64URL(s), b);
  }
});

test("version 0: uncompressed", async () => {
  const data = toBase64URL(new TextEncoder().encode(JSON.stringify({ c: "x", a: "y", i: "z" })));
  assert.deepEqual(await decodeShare(`#share=0.c-1.${data}`), { cell: "c-1", code: "x", args: "y", stdin: "z" });
});

test("an embedded cell's id: the author's name for it, or its number", async () => {
  for (const cell of ["server", "My_Client", "2"]) {
    const hash = await encodeShare(cell, { code: "x", args: "", stdin: "" });
    assert.equal((await decodeShare(hash)).cell, cell);
  }
});

test("bad links say what is wrong", async () => {
  const good = await encodeShare("c-1", { code: "package main\n", args: "", stdin: "" });
  const cases = [
    ["#share=1.c-1", /cut short or has extra parts/],
    ["#share=1.-c%201.AAAA", /names no cell/],
    ["#share=1.c-1.@@@", /base64url/],
    ["#share=9.c-1.AAAA", /version 9/],
    [good.slice(0, good.length - 6), /does not unpack|cut short|not what a share link holds/],
    [good.slice(0, good.length - 5), /does not unpack|cut short|not what a share link holds/],
    ["#share=0.c-1." + toBase64URL(new TextEncoder().encode("[1,2]")), /not what a share link holds/],
    ["#share=0.c-1." + toBase64URL(new TextEncoder().encode('{"c": 5}')), /not what a share link holds/],
    ["#cell-c-1", /not a share link/],
  ];
  for (const [hash, want] of cases) {
    await assert.rejects(decodeShare(hash), want, hash);
  }
});

test("a link that unpacks to too much is refused", async () => {
  const big = await encodeShare("c-1", { code: "a".repeat(MAX_UNPACKED + 10), args: "", stdin: "" });
  assert.ok(big.length < 5000, "zeros compress well");
  await assert.rejects(decodeShare(big), /more than 1048576 bytes/);
});
