// worker.js runs one learner program: a Go program compiled to js/wasm. The page starts a
// fresh module Worker per run (new Worker(url, {type: "module"})) and terminate()s it to stop,
// which works even inside `for {}`.
//
// The page may start a worker before it has a program for it: the worker says
// {type: "ready"} once it has loaded, and waits.
//
// Page → worker: {type: "run", wasm: URL, module: WebAssembly.Module or null, args: [...],
//                 gateway: "ws://host/ws", step: bool}: the module when the page has compiled
//                 the program already, else the worker downloads and compiles wasm;
//                {type: "stdin", text, eof}, {type: "step"}, {type: "continue"}
// Worker → page: {type: "ready"}, {type: "stdout"|"stderr", text}, {type: "event", event},
//                {type: "pause", about: event with text}, {type: "stepped", about: event
//                with text: what a read paused before returned}, {type: "reading"},
//                {type: "exit", code}, {type: "error", message}, and from worker-fs.js the
//                files the program writes: {type: "file", path, data},
//                {type: "file-removed", path}, {type: "fs-full", bytes, files}
import { files, serveStdin, stdin } from "./worker-fs.js";
import { setLang, t } from "./i18n.js";
import "./wasm_exec.js"; // Go's, a classic script that sets globalThis.Go; after worker-fs.js

const encoder = new TextEncoder();

async function run(msg) {
  globalThis.socketlab = {
    gateway: msg.gateway,
    // Step mode: the runtime calls pause before each socket operation and waits for resume.
    stepping: !!msg.step,
    event(json) {
      postMessage({ type: "event", event: JSON.parse(json) });
    },
    pause(json, resume) {
      paused = resume;
      postMessage({ type: "pause", about: JSON.parse(json) });
    },
    // After a read the program paused before: what it returned.
    stepped(json) {
      postMessage({ type: "stepped", about: JSON.parse(json) });
    },
    socket: openSocket,
  };
  const go = new Go();
  let exitCode = 0;
  go.exit = (code) => { exitCode = code; };
  go.argv = ["main"].concat(msg.args || []);
  go.env = { HOME: "/home/learner", USER: "learner" };
  let instance;
  if (msg.module instanceof WebAssembly.Module) {
    try {
      instance = await WebAssembly.instantiate(msg.module, go.importObject);
    } catch (err) {
      postMessage({ type: "error", message: t("run.cannot-start", { err: err.message }) });
      return;
    }
  } else {
    let response;
    try {
      response = await fetch(msg.wasm);
    } catch (err) {
      postMessage({ type: "error", message: t("run.no-download", { err: err.message }) });
      return;
    }
    if (!response.ok) {
      postMessage({ type: "error", message: t("run.no-download", { err: "HTTP " + response.status }) });
      return;
    }
    try {
      ({ instance } = await WebAssembly.instantiateStreaming(response, go.importObject));
    } catch (err) {
      postMessage({ type: "error", message: t("run.cannot-start", { err: err.message }) });
      return;
    }
  }
  try {
    await go.run(instance);
  } catch (err) {
    exited = true;
    files.flush();
    postMessage({ type: "error", message: t("run.crashed", { err: err.message }) });
    return;
  }
  exited = true;
  files.flush(); // files the program left open, as a process's exit closes them
  await closeSession();
  postMessage({ type: "exit", code: exitCode });
}

// closeSession ends the program's connection to the gateway the way a process exit closes its
// sockets: what the program wrote last is still queued in the WebSocket, so wait (briefly) for
// it to go out, then close; the gateway then finishes each connection with a FIN.
async function closeSession() {
  const ws = globalThis.socketlab && globalThis.socketlab.ws;
  if (!ws) return;
  const until = Date.now() + 2000;
  while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  try {
    ws.close(1000, "the program exited");
  } catch (e) {
    // Already closed.
  }
}

// openSocket opens the program's WebSocket to the gateway for the runtime (socketlab.socket,
// used by labnet/transport_js.go). What arrives waits in a queue until the program takes it with
// recv, one call a message; the program is called back (wake) only when it found the queue
// empty and waits, and never after it has exited (closeSession may still be letting its last
// bytes out). Bytes cross through two arrays made once: recv copies a message into `in`, and
// send sends the message the program copied into `out` after its length (4 bytes, big-endian).
function openSocket(url, size, wake) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const queue = [];
  let head = 0;
  let waiting = false;
  const poke = () => {
    if (waiting && !exited) {
      waiting = false;
      wake();
    }
  };
  const s = {
    state: 0, // 0 connecting, 1 open, 2 closed
    reason: "",
    in: new Uint8Array(size),
    out: new Uint8Array(size + 4),
    // recv returns the next message's length, having copied it into `in` if it fits; -1 when
    // there is none (wake follows when one comes or the socket closes).
    recv() {
      if (head === queue.length) {
        waiting = true;
        return -1;
      }
      const m = new Uint8Array(queue[head]);
      queue[head++] = undefined;
      if (head === queue.length) {
        queue.length = 0;
        head = 0;
      }
      if (m.length <= s.in.length) s.in.set(m);
      return m.length;
    },
    // wait asks for wake when the state changes.
    wait() {
      waiting = true;
    },
    send() {
      const o = s.out;
      const n = ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
      ws.send(o.subarray(4, 4 + n));
    },
    close() {
      ws.close();
    },
  };
  ws.addEventListener("open", () => {
    s.state = 1;
    poke();
  });
  ws.addEventListener("message", (e) => {
    queue.push(e.data);
    poke();
  });
  ws.addEventListener("close", (e) => {
    s.state = 2;
    s.reason = e.reason || "the WebSocket closed";
    poke();
  });
  // closeSession closes it when the program has exited, after what is still queued has gone
  // out: a program that writes, closes and returns loses nothing.
  globalThis.socketlab.ws = ws;
  return s;
}

let exited = false; // the program has returned: nothing may call into it any more
let paused = null; // the runtime's resume function while it waits in step mode

function resume() {
  const r = paused;
  paused = null;
  if (r) r();
}

onmessage = (e) => {
  const m = e.data || {};
  if (m.type === "run") {
    setLang(m.lang || "en"); // a worker has no page: the cell says which language it speaks
    run(m);
  }
  if (m.type === "step") resume();
  if (m.type === "continue") {
    if (globalThis.socketlab) globalThis.socketlab.stepping = false;
    resume();
  }
  if (m.type === "stdin") {
    if (typeof m.text === "string" && m.text) stdin.chunks.push(encoder.encode(m.text));
    if (m.eof) stdin.eof = true;
    serveStdin();
  }
};

postMessage({ type: "ready" });
