// python-net.js is a Python cell's network worker: it owns the program's WebSocket to the
// gateway's /ws and moves whole frames between it and the rings it shares with the Python
// worker (python-ring.js). It never blocks, so it always reads the gateway; the session
// itself (HELLO, streams, credit) is the Python module's (python/socketlab/session.py).
//
// Page → worker: {type: "open", buffer: {sab, sizes}, gateway: "ws://host/ws?..."}
// Worker → page: {type: "ready"}
import { C, channel } from "./python-ring.js";
import { setLang } from "./i18n.js";

setLang(new URLSearchParams(location.search).get("lang") || "en");

function open(buffer, url) {
  const ch = channel(buffer);
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const backlog = []; // frames from the gateway that did not fit in the ring yet
  let open = false;

  // Frames from the gateway go into the in ring in arrival order; past a full ring they wait
  // here (credit bounds them) until the program has read.
  function deliver() {
    while (backlog.length > 0 && ch.in.push(backlog[0])) backlog.shift();
    if (backlog.length > 0) {
      const seen = Atomics.load(ch.ctrl, C.IN_SEQ);
      Atomics.waitAsync(ch.ctrl, C.IN_SEQ, seen).value.then(deliver);
    }
  }

  // Frames from the program go out as they come; closing, once the program has ended and
  // what it wrote has left.
  let draining = false;
  function send() {
    for (;;) {
      const seen = Atomics.load(ch.ctrl, C.OUT_SEQ);
      if (open) {
        let m;
        while ((m = ch.out.pop()) !== null) ws.send(m);
      }
      if (Atomics.load(ch.ctrl, C.CLOSING) && !draining) {
        draining = true;
        finish();
        return;
      }
      const w = Atomics.waitAsync(ch.ctrl, C.OUT_SEQ, seen);
      if (w.async) {
        w.value.then(send);
        return;
      }
    }
  }

  function finish() {
    const until = Date.now() + 2000;
    const step = () => {
      if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 0 && Date.now() < until) {
        setTimeout(step, 5);
        return;
      }
      try {
        ws.close(1000, "the program exited");
      } catch (e) {
        // Already closed.
      }
      ch.signal(C.DONE, 1, C.OUT_SEQ);
    };
    if (ws.readyState === WebSocket.CONNECTING) ws.addEventListener("open", step);
    else step();
  }

  ws.addEventListener("open", () => {
    open = true;
    ch.signal(C.NET, 1, C.IN_SEQ);
    ch.out.bump(); // what the program sent meanwhile goes out now

  });
  ws.addEventListener("message", (e) => {
    const m = new Uint8Array(e.data);
    if (backlog.length > 0 || !ch.in.push(m)) {
      backlog.push(m);
      if (backlog.length === 1) deliver();
    }
  });
  ws.addEventListener("close", (e) => {
    open = false;
    ch.setReason(e.reason || "the WebSocket closed" + ` (code ${e.code})`);
    ch.signal(C.NET, 2, C.IN_SEQ);
    if (draining) ch.signal(C.DONE, 1, C.OUT_SEQ);
  });
  send();
}

onmessage = (e) => {
  const m = e.data || {};
  if (m.type === "open") open(m.buffer, m.gateway);
};

postMessage({ type: "ready" });
