// Checks memfs.js, the file system of one run in the page. Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import { O, makeFS } from "../memfs.js";

const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);

function setup(limits) {
  const told = [];
  const fs = makeFS((m) => told.push(m), limits);
  return { fs, told };
}

function writeFile(fs, path, text, flags = O.O_WRONLY | O.O_CREAT | O.O_TRUNC) {
  const fd = fs.open(path, flags, 0o644);
  const b = enc(text);
  let done = 0;
  while (done < b.length) done += fs.write(fd, b, done, b.length - done, null);
  fs.close(fd);
}

function readFile(fs, path) {
  const fd = fs.open(path, 0, 0);
  const size = fs.fstat(fd).size;
  const buf = new Uint8Array(size + 10);
  const n = fs.read(fd, buf, 0, buf.length, null);
  assert.equal(fs.read(fd, buf, 0, buf.length, null), 0, "a second read is at the end");
  fs.close(fd);
  return dec(buf.subarray(0, n));
}

test("create, write, read back, list and remove, relative to /home/learner", () => {
  const { fs, told } = setup();
  assert.equal(fs.cwd(), "/home/learner");
  writeFile(fs, "hello.c", "int main(void) { return 0; }\n");
  assert.equal(readFile(fs, "/home/learner/hello.c"), "int main(void) { return 0; }\n");
  assert.deepEqual(fs.readdir("."), ["hello.c"]);
  assert.deepEqual(fs.files(), [{ path: "hello.c", size: 29 }]);
  assert.equal(told.length, 1);
  assert.equal(told[0].type, "file");
  assert.equal(told[0].path, "hello.c");
  assert.equal(dec(told[0].data), "int main(void) { return 0; }\n");
  const st = fs.stat("hello.c");
  assert.equal(st.isDirectory(), false);
  assert.equal(st.mode & 0o170000, 0o100000);
  assert.equal(st.mode & 0o777, 0o644);
  fs.unlink("hello.c");
  assert.deepEqual(fs.files(), []);
  assert.deepEqual(told[1], { type: "file-removed", path: "hello.c" });
  assert.throws(() => fs.stat("hello.c"), { code: "ENOENT" });
});

test("errors carry Linux's codes", () => {
  const { fs } = setup();
  assert.throws(() => fs.open("nothing.txt", 0, 0), { code: "ENOENT" });
  assert.throws(() => fs.open("no/such/dir.txt", O.O_WRONLY | O.O_CREAT, 0o644), { code: "ENOENT" });
  writeFile(fs, "a.txt", "a");
  assert.throws(() => fs.open("a.txt", O.O_WRONLY | O.O_CREAT | O.O_EXCL, 0o644), { code: "EEXIST" });
  assert.throws(() => fs.open("a.txt/b", O.O_WRONLY | O.O_CREAT, 0o644), { code: "ENOTDIR" });
  assert.throws(() => fs.open("/tmp", O.O_WRONLY, 0), { code: "EISDIR" });
  assert.throws(() => fs.unlink("/tmp"), { code: "EISDIR" });
  fs.mkdir("d", 0o755);
  writeFile(fs, "d/x", "x");
  assert.throws(() => fs.rmdir("d"), { code: "ENOTEMPTY" });
  assert.throws(() => fs.mkdir("d", 0o755), { code: "EEXIST" });
  const fd = fs.open("a.txt", 0, 0);
  assert.throws(() => fs.write(fd, enc("no"), 0, 2, null), { code: "EBADF" });
  fs.close(fd);
  assert.throws(() => fs.close(fd), { code: "EBADF" });
});

test("append, positioned writes, truncate, rename and chdir", () => {
  const { fs, told } = setup();
  writeFile(fs, "log", "one\n");
  writeFile(fs, "log", "two\n", O.O_WRONLY | O.O_APPEND);
  assert.equal(readFile(fs, "log"), "one\ntwo\n");
  const fd = fs.open("log", O.O_RDWR, 0);
  fs.write(fd, enc("ONE"), 0, 3, 0);
  fs.ftruncate(fd, 4);
  fs.close(fd);
  assert.equal(readFile(fs, "log"), "ONE\n");
  fs.mkdir("/tmp/out", 0o755);
  fs.rename("log", "/tmp/out/log.txt");
  assert.deepEqual(fs.files(), [{ path: "/tmp/out/log.txt", size: 4 }]);
  const last = told[told.length - 1];
  assert.equal(last.type, "file");
  assert.equal(last.path, "/tmp/out/log.txt");
  fs.chdir("/tmp/out");
  assert.equal(fs.cwd(), "/tmp/out");
  assert.equal(readFile(fs, "../out/./log.txt"), "ONE\n");
});

test("past the size limit a write fails with ENOSPC, after what fits, and the page hears once", () => {
  const { fs, told } = setup({ bytes: 10, nodes: 8 });
  const fd = fs.open("big", O.O_WRONLY | O.O_CREAT, 0o644);
  assert.equal(fs.write(fd, enc("0123456789abc"), 0, 13, null), 10);
  assert.throws(() => fs.write(fd, enc("abc"), 0, 3, null), { code: "ENOSPC" });
  assert.throws(() => fs.write(fd, enc("abc"), 0, 3, null), { code: "ENOSPC" });
  fs.close(fd);
  assert.deepEqual(told.filter((m) => m.type === "fs-full"), [{ type: "fs-full", bytes: 10, files: 8 }]);
  // Removing a file gives its room back.
  fs.unlink("big");
  writeFile(fs, "small", "0123456789");
  assert.equal(readFile(fs, "small"), "0123456789");
  // And the number of files and directories is bounded too (3 made at the start).
  for (let i = 0; i < 4; i++) writeFile(fs, `f${i}`, "");
  assert.throws(() => writeFile(fs, "one-too-many", ""), { code: "ENOSPC" });
});

test("flush tells the page of files still open for writing", () => {
  const { fs, told } = setup();
  const fd = fs.open("open.txt", O.O_WRONLY | O.O_CREAT, 0o644);
  fs.write(fd, enc("still open"), 0, 10, null);
  assert.equal(told.length, 0);
  fs.flush();
  assert.equal(told.length, 1);
  assert.equal(dec(told[0].data), "still open");
});
