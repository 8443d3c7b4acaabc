// python-worker.js runs one Python program: Pyodide with the lab's socket module in place of
// _socket and select (python/socketlab/, page.py). The page starts it ahead of a run: it loads
// Pyodide and the module, imports socket, says {type: "ready"} and waits.
//
// Page → worker: {type: "run", buffer: {sab, sizes}, source, args: [...]}, once. From then on
//                the program has the thread: the worker takes no more messages, and what it
//                needs comes over the shared buffer (python-ring.js): frames from the
//                network worker, input from the page.
// Worker → page: {type: "ready"}, {type: "stdout"|"stderr", text}, {type: "event", event},
//                {type: "reading"}, {type: "exit", code}, {type: "error", message}
import { C, channel } from "./python-ring.js";
import { missing, runtime } from "./python-paths.js";
import { setLang, t } from "./i18n.js";

// The worker speaks the page's language (python-run.js puts it in the worker's address).
setLang(new URLSearchParams(location.search).get("lang") || "en");

const idle = new Int32Array(new SharedArrayBuffer(4)); // time.sleep before a run has a channel
let ch = null; // the run's channel

// Output goes to the page at once, decoded as UTF-8 across writes.
function writer(type) {
  const dec = new TextDecoder("utf-8");
  return {
    isatty: false,
    write(buf) {
      const text = dec.decode(buf, { stream: true });
      if (text) postMessage({ type, text });
      return buf.length;
    },
  };
}

// Standard input: what the page writes in the stdin ring, until STDIN_EOF.
let pending = null;
function readStdin(buffer) {
  for (;;) {
    if (pending && pending.length > 0) {
      const n = Math.min(buffer.length, pending.length);
      buffer.set(pending.subarray(0, n));
      pending = pending.subarray(n);
      return n;
    }
    if (!ch) return 0;
    const seen = Atomics.load(ch.ctrl, C.STDIN_SEQ);
    pending = ch.stdin.pop();
    if (pending) continue;
    if (Atomics.load(ch.ctrl, C.STDIN_EOF)) return 0;
    postMessage({ type: "reading" });
    Atomics.wait(ch.ctrl, C.STDIN_SEQ, seen);
  }
}

// host is what python/socketlab/page.py reaches through Pyodide's js module.
const host = {
  // send puts a frame (a Python bytes) in the out ring, waiting for room; it returns "" or,
  // when the WebSocket has closed, why.
  send(frame) {
    const buf = frame.getBuffer("u8");
    try {
      for (;;) {
        if (Atomics.load(ch.ctrl, C.NET) === 2) return ch.reason();
        const seen = Atomics.load(ch.ctrl, C.OUT_SEQ);
        if (ch.out.push(buf.data)) return "";
        Atomics.wait(ch.ctrl, C.OUT_SEQ, seen, 1000);
      }
    } finally {
      buf.release();
    }
  },
  // recv gives the next frame from the gateway (a Uint8Array), undefined when ms
  // milliseconds (negative: no limit) pass first, or why the WebSocket closed (a string).
  recv(ms) {
    const deadline = ms < 0 ? Infinity : performance.now() + ms;
    for (;;) {
      const seen = Atomics.load(ch.ctrl, C.IN_SEQ);
      const m = ch.in.pop();
      if (m) return m;
      if (Atomics.load(ch.ctrl, C.NET) === 2) return ch.reason();
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      Atomics.wait(ch.ctrl, C.IN_SEQ, seen, left);
    }
  },
  // close asks the network worker to send what is left and close, and waits (briefly).
  close() {
    ch.signal(C.CLOSING, 1, C.OUT_SEQ);
    const until = performance.now() + 3000;
    while (!Atomics.load(ch.ctrl, C.DONE) && performance.now() < until) {
      const seen = Atomics.load(ch.ctrl, C.OUT_SEQ);
      if (Atomics.load(ch.ctrl, C.DONE)) break;
      Atomics.wait(ch.ctrl, C.OUT_SEQ, seen, until - performance.now());
    }
  },
  sleep(ms) {
    const cell = ch ? ch.ctrl : idle;
    Atomics.wait(cell, ch ? C.SLEEP : 0, 0, ms);
  },
  event(line) {
    try {
      postMessage({ type: "event", event: JSON.parse(line) });
    } catch (e) {
      // Not an event: nothing to show.
    }
  },
};

let py = null;
let page = null;

async function load() {
  if (missing) throw new Error(t(missing === "not-built" ? "py.not-built" : "py.not-served"));
  if (!self.crossOriginIsolated) {
    throw new Error(t("py.not-isolated"));
  }
  const { loadPyodide } = await import(runtime + "pyodide.mjs");
  const [p, lib] = await Promise.all([
    loadPyodide({ indexURL: runtime, env: { HOME: "/home/learner", USER: "learner" } }),
    fetch(runtime + "socketlab-python.zip").then((r) => {
      if (!r.ok) throw new Error(t("py.module-http", { status: r.status }));
      return r.arrayBuffer();
    }),
  ]);
  py = p;
  py.setStdout(writer("stdout"));
  py.setStderr(writer("stderr"));
  py.setStdin({ read: readStdin, isatty: false });
  py.unpackArchive(lib, "zip", { extractDir: "/lib/socketlab" });
  self.socketlabHost = host;
  page = py.runPython(`
import os, sys
sys.path.insert(0, "/lib/socketlab")
os.makedirs("/home/learner", exist_ok=True)
os.chdir("/home/learner")
import socketlab.page
socketlab.page.prepare()
socketlab.page
`);
}

function run(m) {
  ch = channel(m.buffer);
  let code = 1;
  try {
    code = page.run(m.source, py.toPy(m.args || []));
  } catch (err) {
    postMessage({ type: "error", message: t("py.failed", { err: err && err.message }) });
    return;
  }
  postMessage({ type: "exit", code });
}

const loaded = load();
loaded.then(() => postMessage({ type: "ready" }), (err) => postMessage({ type: "failed", message: String(err && err.message || err) }));

onmessage = (e) => {
  const m = e.data || {};
  if (m.type !== "run") return;
  loaded.then(() => run(m), (err) => postMessage({ type: "error", message: t("py.no-start", { err: err && err.message || err }) }));
};
