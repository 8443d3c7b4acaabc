// worker-fs.js gives a program in worker.js its standard streams: the file system that Go's
// wasm_exec.js expects, set on globalThis before wasm_exec.js is evaluated (wasm_exec.js keeps
// an fs it finds and installs its own, which writes to the console, when there is none).
// worker.js imports this module first, then wasm_exec.js; a module's imports are evaluated in
// their order, before the module itself.
//
// Standard output and error go to the page as {type: "stdout"|"stderr", text}; standard input
// comes from the page through stdin and serveStdin (worker.js feeds them its "stdin"
// messages), and a read with nothing to give says {type: "reading"}.
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

function enosys() {
  const err = new Error("not implemented");
  err.code = "ENOSYS";
  return err;
}

// The file system that wasm_exec.js expects. Only standard output and error exist.
globalThis.fs = {
  constants: { O_WRONLY: -1, O_RDWR: -1, O_CREAT: -1, O_TRUNC: -1, O_APPEND: -1, O_EXCL: -1, O_DIRECTORY: -1 },
  writeSync(fd, buf) {
    if (!streams[fd]) throw enosys();
    output(fd, buf);
    return buf.length;
  },
  write(fd, buf, offset, length, position, callback) {
    if (offset !== 0 || length !== buf.length || position !== null || !streams[fd]) {
      callback(enosys());
      return;
    }
    output(fd, buf);
    callback(null, length);
  },
  chmod(path, mode, callback) { callback(enosys()); },
  chown(path, uid, gid, callback) { callback(enosys()); },
  close(fd, callback) { callback(enosys()); },
  fchmod(fd, mode, callback) { callback(enosys()); },
  fchown(fd, uid, gid, callback) { callback(enosys()); },
  fstat(fd, callback) { callback(enosys()); },
  fsync(fd, callback) { callback(null); },
  ftruncate(fd, length, callback) { callback(enosys()); },
  lchown(path, uid, gid, callback) { callback(enosys()); },
  link(path, link, callback) { callback(enosys()); },
  lstat(path, callback) { callback(enosys()); },
  mkdir(path, perm, callback) { callback(enosys()); },
  open(path, flags, mode, callback) { callback(enosys()); },
  read(fd, buffer, offset, length, position, callback) {
    if (fd !== 0) {
      callback(enosys());
      return;
    }
    stdin.waiting = { buffer, offset, length, callback };
    serveStdin();
  },
  readdir(path, callback) { callback(enosys()); },
  readlink(path, callback) { callback(enosys()); },
  rename(from, to, callback) { callback(enosys()); },
  rmdir(path, callback) { callback(enosys()); },
  stat(path, callback) { callback(enosys()); },
  symlink(path, link, callback) { callback(enosys()); },
  truncate(path, length, callback) { callback(enosys()); },
  unlink(path, callback) { callback(enosys()); },
  utimes(path, atime, mtime, callback) { callback(enosys()); },
};
