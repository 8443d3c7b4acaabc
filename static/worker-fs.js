// worker-fs.js gives a program in worker.js its standard streams and a small file system of
// its own: what Go's wasm_exec.js expects on globalThis (fs and process), set before
// wasm_exec.js is evaluated (wasm_exec.js keeps an fs it finds and installs its own, which
// writes to the console, when there is none). worker.js imports this module first, then
// wasm_exec.js; a module's imports are evaluated in their order, before the module itself.
//
// Standard output and error go to the page as {type: "stdout"|"stderr", text}; standard input
// comes from the page through stdin and serveStdin (worker.js feeds them its "stdin"
// messages), and a read with nothing to give says {type: "reading"}.
//
// Files live in memory, one file system per run (a worker runs one program): the program
// starts in /home/learner, with /tmp beside it, and may create, write, read, list, rename and
// remove files and directories there, up to FS_LIMITS. Past them a write fails with ENOSPC
// ("no space left on device"), as on a full disk, and the page is told once:
// {type: "fs-full", bytes, files}. Every file the run has (re)written goes to the page when
// it is closed, {type: "file", path, data}, so that the page can list and offer it even after
// Stop; {type: "file-removed", path} when it goes away.
import { O, fail, makeFS } from "./memfs.js";

const decoders = { 1: new TextDecoder("utf-8"), 2: new TextDecoder("utf-8") };
const streams = { 1: "stdout", 2: "stderr" };
// Output goes to the page at once: a program that then spins in `for {}` never gives the
// worker's event loop another turn, so nothing may wait for a timer.
function output(fd, buf) {
  const text = decoders[fd].decode(buf, { stream: true });
  if (text) postMessage({ type: streams[fd], text });
}

// Standard input: lines the learner types in the console arrive as {type: "stdin", text} and
// {type: "stdin", eof: true} for Ctrl-D. A read waits until there is something to give.
export const stdin = { chunks: [], eof: false, waiting: null };

export function serveStdin() {
  const w = stdin.waiting;
  if (!w) return;
  if (stdin.chunks.length > 0) {
    const chunk = stdin.chunks[0];
    const n = Math.min(w.length, chunk.length);
    w.buffer.set(chunk.subarray(0, n), w.offset);
    if (n === chunk.length) stdin.chunks.shift();
    else stdin.chunks[0] = chunk.subarray(n);
    stdin.waiting = null;
    w.callback(null, n);
  } else if (stdin.eof) {
    stdin.waiting = null;
    w.callback(null, 0);
  } else {
    postMessage({ type: "reading" });
  }
}

export const files = makeFS((m) => postMessage(m));

// call runs one file operation with a Node-style callback, as wasm_exec.js expects.
function call(callback, f) {
  let result;
  try {
    result = f();
  } catch (err) {
    callback(err.code ? err : fail("EIO", String(err && err.message)));
    return;
  }
  callback(null, result);
}

// The file system that wasm_exec.js expects, over files and the standard streams.
globalThis.fs = {
  constants: O,
  writeSync(fd, buf) {
    if (streams[fd]) {
      output(fd, buf);
      return buf.length;
    }
    return files.write(fd, buf, 0, buf.length, null);
  },
  write(fd, buf, offset, length, position, callback) {
    if (streams[fd]) {
      if (offset !== 0 || length !== buf.length || position !== null) {
        callback(fail("ESPIPE", "standard output"));
        return;
      }
      output(fd, buf);
      callback(null, length);
      return;
    }
    call(callback, () => files.write(fd, buf, offset, length, position));
  },
  read(fd, buffer, offset, length, position, callback) {
    if (fd === 0) {
      stdin.waiting = { buffer, offset, length, callback };
      serveStdin();
      return;
    }
    call(callback, () => files.read(fd, buffer, offset, length, position));
  },
  open(path, flags, mode, callback) { call(callback, () => files.open(path, flags, mode)); },
  close(fd, callback) { call(callback, () => (fd <= 2 ? undefined : files.close(fd))); },
  fstat(fd, callback) { call(callback, () => files.fstat(fd)); },
  stat(path, callback) { call(callback, () => files.stat(path)); },
  lstat(path, callback) { call(callback, () => files.lstat(path)); },
  readdir(path, callback) { call(callback, () => files.readdir(path)); },
  mkdir(path, perm, callback) { call(callback, () => files.mkdir(path, perm)); },
  rmdir(path, callback) { call(callback, () => files.rmdir(path)); },
  unlink(path, callback) { call(callback, () => files.unlink(path)); },
  rename(from, to, callback) { call(callback, () => files.rename(from, to)); },
  truncate(path, length, callback) { call(callback, () => files.truncate(path, length)); },
  ftruncate(fd, length, callback) { call(callback, () => files.ftruncate(fd, length)); },
  chmod(path, mode, callback) { call(callback, () => files.chmod(path, mode)); },
  fchmod(fd, mode, callback) { call(callback, () => files.fchmod(fd, mode)); },
  utimes(path, atime, mtime, callback) { call(callback, () => files.utimes(path, atime, mtime)); },
  fsync(fd, callback) { callback(null); },
  chown(path, uid, gid, callback) { call(callback, () => { files.stat(path); }); },
  fchown(fd, uid, gid, callback) { call(callback, () => { files.fstat(fd); }); },
  lchown(path, uid, gid, callback) { call(callback, () => { files.lstat(path); }); },
  link(path, link, callback) { callback(fail("EPERM", "hard links are not kept in the page")); },
  symlink(path, link, callback) { callback(fail("EPERM", "symbolic links are not kept in the page")); },
  readlink(path, callback) { call(callback, () => { files.lstat(path); throw fail("EINVAL", path); }); },
};

// The process wasm_exec.js expects: the working directory is the files' (Getwd, Chdir).
globalThis.process = {
  getuid() { return 1000; },
  getgid() { return 1000; },
  geteuid() { return 1000; },
  getegid() { return 1000; },
  getgroups() { return [1000]; },
  pid: 1,
  ppid: 0,
  umask() { return 0o022; },
  cwd() { return files.cwd(); },
  chdir(path) { files.chdir(path); },
};
