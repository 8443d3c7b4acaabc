// python-run.js runs a Python cell's program in the page: a Python worker (python-worker.js,
// Pyodide with the lab's socket module) and a network worker (python-net.js, the WebSocket
// to the gateway), which meet over rings in a SharedArrayBuffer (python-ring.js). Both are
// started ahead of a run, so Run only hands them the program; Stop terminates both at once.
//
// pythonPool has the shape of cell.js's workerPool: take() gives a run object that cell.js
// drives like a Worker (postMessage, terminate, onmessage, onerror). Its postMessage takes
// {type: "run", source, args, gateway} and {type: "stdin", text, eof}; it says what the Python
// worker says (python-worker.js).
import { C, channel, makeBuffer } from "./python-ring.js";
import { language, t } from "./i18n.js";

const STDIN_CHUNK = 16 << 10;

// spares is how many pairs it keeps started ahead (lesson.js asks for two on a page where a
// client cell runs beside a server cell: the server takes one, and its client starts at once
// with the other). How many are ready is in document.body.dataset.pythonReady.
export function pythonPool(urls = { python: "/static/python-worker.js", net: "/static/python-net.js" }, spares = 1) {
  let kept = [];

  function showReady() {
    if (typeof document === "undefined" || !document.body) return;
    document.body.dataset.pythonReady = String(kept.filter((p) => p.isReady && !p.failed).length);
  }

  function start() {
    // The workers speak the page's language: they read it from their address.
    const lang = "?lang=" + language();
    const py = new Worker(urls.python + lang, { type: "module" });
    const net = new Worker(urls.net + lang, { type: "module" });
    const pair = { py, net, failed: false, isReady: false, why: "" };
    pair.ready = new Promise((resolve) => {
      py.addEventListener("message", function first(e) {
        const m = e.data || {};
        if (m.type !== "ready" && m.type !== "failed") return;
        py.removeEventListener("message", first);
        if (m.type === "failed") {
          pair.failed = true;
          pair.why = m.message;
        }
        pair.isReady = !pair.failed;
        resolve(!pair.failed);
        showReady();
        // For the benchmark (bench/python.go): when a pair is ready to run at once.
        if (!pair.failed && typeof performance.mark === "function") performance.mark("socketlab:python-spare");
      });
      py.addEventListener("error", () => {
        pair.failed = true;
        resolve(false);
        showReady();
      });
    });
    return pair;
  }

  function isolated() {
    return typeof SharedArrayBuffer === "function" && self.crossOriginIsolated;
  }

  // keepSpare starts pairs until spares of them are kept, and returns the one a run would
  // take next.
  function keepSpare() {
    if (!isolated()) return null;
    kept = kept.filter((p) => !p.failed);
    try {
      while (kept.length < spares) kept.push(start());
    } catch (e) {
      // No workers here: take() says why.
    }
    showReady();
    return kept[0] || null;
  }

  // take gives a run the pair that is ready (or the oldest one), and starts another in its
  // place when more than one is kept, so that a second run soon after finds one.
  function take() {
    if (!isolated()) {
      throw new Error(t("py.not-isolated"));
    }
    kept = kept.filter((p) => !p.failed);
    const i = Math.max(0, kept.findIndex((p) => p.isReady));
    const pair = kept.length > 0 ? kept.splice(i, 1)[0] : start();
    if (spares > 1) keepSpare();
    showReady();
    return runOf(pair);
  }

  return { keepSpare, take, url: urls.python };
}

// runOf wraps a pair of workers as the one Worker cell.js expects.
function runOf(pair) {
  const { py, net } = pair;
  let ch = null;
  const stdin = []; // input that did not fit in the ring yet
  let eof = false;
  let timer = null;
  const r = {
    onmessage: null,
    onerror: null,
    onmessageerror: null,
    ready: pair.ready,
    postMessage(m) {
      if (m.type === "run") begin(m);
      if (m.type === "stdin") input(m);
    },
    terminate() {
      clearTimeout(timer);
      py.terminate();
      net.terminate();
    },
  };
  py.addEventListener("message", (e) => {
    const m = e.data || {};
    if (m.type === "ready") return;
    if (m.type === "failed") {
      if (r.onmessage) r.onmessage({ data: { type: "error", message: t("py.no-start", { err: m.message }) } });
      return;
    }
    if (r.onmessage) r.onmessage(e);
  });
  py.addEventListener("error", (e) => { if (r.onerror) r.onerror(e); });
  py.addEventListener("messageerror", (e) => { if (r.onmessageerror) r.onmessageerror(e); });
  net.addEventListener("error", (e) => { if (r.onerror) r.onerror(e); });

  function begin(m) {
    const buffer = makeBuffer();
    ch = channel(buffer);
    py.postMessage({ type: "run", buffer, source: m.source, args: m.args || [] });
    // The gateway waits a few seconds for a session's HELLO: the WebSocket opens once Python
    // has loaded (at once, unless Run came before the spare workers were ready).
    pair.ready.then(() => net.postMessage({ type: "open", buffer, gateway: m.gateway }));
    flush();
  }

  function input(m) {
    if (typeof m.text === "string" && m.text) {
      const b = new TextEncoder().encode(m.text);
      for (let i = 0; i < b.length; i += STDIN_CHUNK) stdin.push(b.subarray(i, i + STDIN_CHUNK));
    }
    if (m.eof) eof = true;
    flush();
  }

  // flush moves input into the ring as room allows; the end of input comes after all of it.
  function flush() {
    clearTimeout(timer);
    if (!ch) return;
    while (stdin.length > 0 && ch.stdin.push(stdin[0])) stdin.shift();
    if (stdin.length > 0) {
      timer = setTimeout(flush, 20);
      return;
    }
    if (eof && !Atomics.load(ch.ctrl, C.STDIN_EOF)) ch.signal(C.STDIN_EOF, 1, C.STDIN_SEQ);
  }

  return r;
}
