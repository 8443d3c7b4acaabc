// A runnable cell: an editor with Run and Stop, a console and a bytes panel, mounted into
// markup of the shape lessons/render.go writes (section.cell with textarea.code, button.run,
// button.stop, input.args, .status, pre.console, .bytes), wherever that markup lives: the
// lesson page (lesson.js) or a shadow root of another site's page (embed-main.js).
//
// Run: POST /api/build {source} → {ok, wasm} or {ok:false, diagnostics}
// → a module Web Worker (static/worker.js) runs the program and posts back
// stdout, stderr, socket events and the exit status.
//
// Each cell also gets data-state: idle, compiling, running, exited,
// compile-error, error or stopped (handy for styles and browser tests), and
// its .bytes panel keeps data-received and data-sent byte totals.
//
// No framework, no build step, no inline code: the cell works under a
// strict Content Security Policy. Everything shown is set as text, never as
// HTML. wire-view.js draws the wire (sequence diagram, bytes, step mode, replay, export).
import * as F from "./format.js";
import { makeFiles } from "./files.js";
import { attach } from "./wire-view.js";
import { createEditor, markPythonErrors } from "./editor.js";
import { language, t } from "./i18n.js";
import { keep } from "./keep.js";
import { PROGRESS_URL, watchProgress } from "./progress.js";

const CONSOLE_LIMIT = 1 << 20; // characters kept in a console

// Every program of this browser belongs to one learner, so a server running in one cell is
// "localhost" to the others (and to other tabs). The id stays in localStorage.
let pageLearner = "";
export function learnerID() {
  const valid = (id) => /^[A-Za-z0-9_-]{8,64}$/.test(id || "");
  try {
    const stored = localStorage.getItem("socketlab.learner");
    if (valid(stored)) return stored;
  } catch (e) {
    // No storage (private mode): the page keeps its own id below.
  }
  if (!pageLearner) {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    pageLearner = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    try {
      localStorage.setItem("socketlab.learner", pageLearner);
    } catch (e) {
      // The id lasts as long as the page.
    }
  }
  return pageLearner;
}

// gatewayURL is the relay's WebSocket URL at origin (an http: or https: URL) for learner id.
export function gatewayURL(origin, id) {
  const u = new URL(origin);
  return (u.protocol === "https:" ? "wss:" : "ws:") + "//" + u.host + "/ws?learner=" + encodeURIComponent(id);
}

// withFaults adds the lab's faults a cell asks for (its Faults field, such as "segment=1")
// to the relay's URL; the gateway checks them and says what is wrong.
export function withFaults(url, faults) {
  const spec = (faults || "").trim();
  return spec ? url + (url.includes("?") ? "&" : "?") + "faults=" + encodeURIComponent(spec) : url;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Performance marks for the benchmark (bench/browser.go) and for anyone profiling the page:
// socketlab:cells-ready when every Run button works, socketlab:interactive when the first
// cell can start at once (see the end of this file), and for each run socketlab:run (the
// click), socketlab:program-ready (the program is compiled and goes to its worker),
// socketlab:first-output (the program's first output) and socketlab:exit. Each run's marks
// carry {cell, run} as detail.
export function perfMark(name, detail) {
  try {
    performance.mark(name, detail ? { detail } : undefined);
  } catch (e) {
    // An old browser without marks: nothing to record.
  }
}

// compile downloads a program and compiles it here, in the page, so that Run hands a ready
// WebAssembly.Module to the worker (the worker instantiates it in a few milliseconds). It
// resolves to null when that cannot be done; the worker then downloads the program itself.
async function compile(url) {
  if (typeof WebAssembly !== "object" || !WebAssembly.compileStreaming) return null;
  try {
    const resp = await fetch(url);
    if (!resp.ok) return null;
    return await WebAssembly.compileStreaming(resp);
  } catch (e) {
    return null;
  }
}

// workerPool starts the program's module workers from url. A worker started ahead of time
// has loaded worker.js and wasm_exec.js and waits for a program, so Run does not wait for a
// thread to start. One is kept for the whole page; a run takes it and a new one starts when
// a run ends. embed-main.js has a pool of the same shape whose workers live in the gateway's
// frame.
export function workerPool(url) {
  let spare = null;

  function startWorker() {
    const w = new Worker(url, { type: "module" });
    w.failed = false;
    w.ready = new Promise((resolve) => {
      w.addEventListener("message", function ready(e) {
        if (e.data && e.data.type === "ready") {
          w.removeEventListener("message", ready);
          resolve(true);
        }
      });
      w.addEventListener("error", () => {
        w.failed = true;
        resolve(false);
      });
    });
    return w;
  }

  function keepSpare() {
    if (spare && !spare.failed) return spare;
    try {
      spare = startWorker();
    } catch (e) {
      spare = null;
    }
    return spare;
  }

  // take gives a run its worker: the spare one when it is sound, else a new one.
  function take() {
    const w = spare && !spare.failed ? spare : startWorker();
    spare = null;
    return w;
  }

  return { keepSpare, take, url };
}

// Console: program output, build messages and the exit status.
function makeConsole(pre) {
  let size = 0;
  let truncated = false;
  let last = null; // { cls, node } of the last run of text, to extend it
  let endsWithNewline = true;

  // append adds program output; past the limit it is dropped, unless
  // force is set (for the page's own lines, such as the exit status).
  function append(text, cls, force) {
    if (!text) return;
    if (truncated && !force) return;
    if (!force && size + text.length > CONSOLE_LIMIT) {
      text = text.slice(0, Math.max(0, CONSOLE_LIMIT - size));
      truncated = true;
    }
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8;
    size += text.length;
    if (last && last.cls === cls) {
      last.node.appendData(text);
    } else {
      const node = document.createTextNode(text);
      if (cls) {
        const span = el("span", cls);
        span.appendChild(node);
        pre.appendChild(span);
      } else {
        pre.appendChild(node);
      }
      last = { cls, node };
    }
    endsWithNewline = text.endsWith("\n");
    if (truncated && !force) {
      pre.appendChild(el("span", "note", "\n" + t("run.cut-short") + "\n"));
      last = null;
      endsWithNewline = true;
    }
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  // line writes a whole line of its own, starting one if needed.
  function line(text, cls) {
    if (!endsWithNewline) append("\n", cls, true);
    append(text + "\n", cls, true);
  }

  function clear() {
    pre.textContent = "";
    size = 0;
    truncated = false;
    last = null;
    endsWithNewline = true;
  }

  return { append, line, clear };
}

// mountCell makes a working cell of the markup in cell. env says where it runs:
//   url(path)      the gateway's URL for an API path ("/api/build")
//   gateway()      the relay's WebSocket URL for this cell's programs
//   pool           a workerPool (or one of its shape)
//   pythonPool     a pythonPool (python-run.js) for the cells in Python (data-lang="python"),
//                  which run in the page without a build; absent where Python cannot run
//   programs       cell id → "/wasm/HASH.wasm", programs the gateway compiled already
//   compileHere    compile a program in this page before handing it to the worker (the page
//                  may compile WebAssembly, and the worker is in the same agent)
//   keep           keep edits and offer Share (keep.js): true for this page's localStorage
//                  and links to it, or keep.js's {store, link} for somewhere else
//   stdin          input sent whole, ended, to every run (a string), unless a share link
//                  brings its own
// It returns {cell, prepare}: prepare downloads and compiles the cell's program ahead.
export function mountCell(cell, env) {
  const q = (sel) => cell.querySelector(sel);
  const programs = env.programs || {};
  const code = q("textarea.code");
  const runBtn = q("button.run");
  const stopBtn = q("button.stop");
  const argsInput = q("input.args");
  const faultsInput = q("input.faults");
  const status = q(".status");
  const out = makeConsole(q("pre.console"));
  // The editor (editor.js): CodeMirror in place of the textarea, which it keeps up to date.
  // The code is read and written through getValue and setValue alone.
  const lang = cell.dataset.lang || "go";
  const python = lang === "python";
  const pool = python ? env.pythonPool : env.pool;
  let kept = { stdin: () => null, changed: () => {} };
  const editor = createEditor(code, {
    lang,
    formatURL: env.url("/api/format"),
    vetURL: env.url("/api/vet"),
    onRun: () => { if (!runBtn.disabled) start(); },
    onChange: () => kept.changed(),
    onFormatted: (r) => { if (!r.ok && r.error) status.textContent = r.error; },
  });
  const formatBtn = el("button", "format", t("run.format"));
  formatBtn.type = "button";
  formatBtn.title = t("run.format-title");
  formatBtn.addEventListener("click", () => editor.format());
  if (lang === "python") {
    // Python's indentation is part of the program: nothing reformats it.
    formatBtn.disabled = true;
    formatBtn.title = t("run.format-python");
    // A syntax error the run printed is marked in the editor (editor.js).
    cell.addEventListener("socketlab:run-ended", () => markPythonErrors(cell, q("pre.console").textContent));
  }
  stopBtn.after(" ", formatBtn);
  // Keep and Share (keep.js) read and write the code through these alone.
  if (env.keep) {
    kept = keep(cell, {
      get: editor.getValue,
      set: editor.setValue,
      original: code.defaultValue,
    }, env.keep === true ? undefined : env.keep);
  }
  // Input given with the cell (env.stdin) unless a share link brought its own.
  const presetStdin = () => {
    const s = kept.stdin();
    return s !== null ? s : typeof env.stdin === "string" ? env.stdin : null;
  };
  // See the wire (wire.js): diagram and bytes of each run, Step/Continue, replay, export.
  let stepping = false; // this run pauses before each socket operation
  const wire = attach(cell, {
    stepRun: () => start(true),
    send: (msg) => { if (worker) worker.postMessage(msg); },
    resume: () => setState("running", t("run.running")),
    api: env.url,
  });

  status.setAttribute("role", "status");
  let run = 0; // counts runs, so that answers for an old run are ignored
  let worker = null;
  let abort = null;
  let timer = null;
  // What the running program did, for exercises (static/exercises.js): sent with the
  // "socketlab:run-finished" event when the run ends, however it ends.
  let record = null;
  let heard = false; // the current run has printed something
  // The compiled program of the code as the lesson gives it, and of the last code built:
  // {url, module: Promise<WebAssembly.Module|null>}.
  let original = programs[cell.dataset.cell] ? { url: programs[cell.dataset.cell], module: null } : null;
  let latest = null;

  // prepare downloads and compiles the lesson's own program before anyone presses Run.
  // When that fails (the gateway lost it, or this browser cannot compile here), later Runs
  // go through /api/build.
  function prepare() {
    if (python) {
      const spare = pool && pool.keepSpare();
      return spare ? spare.ready : Promise.resolve(false);
    }
    if (!original) return Promise.resolve(false);
    if (!original.module) {
      const o = original;
      o.module = env.compileHere ? compile(env.url(o.url)) : Promise.resolve(null);
      o.module.then((m) => { if (m === null) o.failed = true; });
    }
    return original.module.then((m) => m !== null);
  }

  // moduleFor gives the compiled module of url, compiling it once.
  function moduleFor(url) {
    if (original && original.url === url) {
      prepare();
      return original.module;
    }
    if (!latest || latest.url !== url) latest = { url, module: env.compileHere ? compile(env.url(url)) : Promise.resolve(null) };
    return latest.module;
  }

  function setState(state, text) {
    cell.dataset.state = state;
    status.textContent = text;
    wire.state(state);
  }

  function stopTimer() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  // finish ends the current run, whatever stage it is in.
  function finish(state, text) {
    const wasRunning = runBtn.disabled; // a run was under way: say how it ended (classroom.js)
    run++;
    stopTimer();
    if (abort) abort.abort();
    abort = null;
    if (worker) worker.terminate();
    worker = null;
    if (pool) pool.keepSpare();
    input.hidden = true;
    input.classList.remove("waiting");
    runBtn.disabled = false;
    stopBtn.disabled = true;
    setState(state, text);
    wire.end();
    const ran = record ? Object.assign(record, { state }) : null;
    record = null;
    if (ran) cell.dispatchEvent(new CustomEvent("socketlab:run-finished", { detail: ran }));
    if (wasRunning) cell.dispatchEvent(new CustomEvent("socketlab:run-ended", { detail: { state, source: editor.getValue(), run: ran } }));
  }

  async function start(step) {
    if (runBtn.disabled) return; // already running
    const me = ++run;
    const marks = { cell: cell.id, run: me };
    perfMark("socketlab:run", marks);
    heard = false;
    runBtn.disabled = true;
    stopBtn.disabled = false;
    out.clear();
    files.reset();
    stepping = step === true && !python; // step mode is the Go runtime's alone
    wire.reset(stepping);
    editor.clearErrors();
    status.removeAttribute("title");

    if (python) {
      launch(me, null); // Python needs no build: the worker runs the source
      return;
    }
    if (original && !original.failed && editor.getValue() === code.defaultValue) {
      status.title = t("run.compiled-at-start");
      launch(me, original.url);
      return;
    }

    const began = Date.now();
    setState("compiling", t("run.compiling"));
    // On a first start the standard library compiles too: say how far (progress.js). A
    // ticket lets the page ask where the build waits while compilers are busy.
    let firstBuild = null;
    const stopWatch = watchProgress((text) => { firstBuild = text; }, { url: env.url(PROGRESS_URL) });
    const ticket = "run-" + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    let place = null;
    let asked = 0;
    timer = setInterval(() => {
      const s = Math.floor((Date.now() - began) / 1000);
      if (me !== run) { stopWatch(); return; }
      status.textContent = firstBuild && !(place && place.waiting) ? firstBuild : F.compileStatus(place, s);
      if (Date.now() - asked >= 1000 && (place === null || place.waiting || s < 3)) {
        asked = Date.now();
        fetch(env.url(`/api/build/queue?ticket=${ticket}`)).then((r) => (r.ok ? r.json() : null))
          .then((p) => { if (me === run && p) place = p; }, () => {});
      }
    }, 250);

    abort = new AbortController();
    let resp;
    let body = null;
    const source = sourceOf(editor.getValue());
    try {
      resp = await fetch(env.url("/api/build"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ source, ticket }),
        signal: abort.signal,
      });
      body = await resp.json().catch(() => null);
    } catch (err) {
      stopWatch();
      if (me !== run) return; // stopped meanwhile
      out.line(t("run.no-build-service", { err: err.message || err }), "error");
      finish("error", t("run.build-failed"));
      return;
    }
    stopWatch();
    if (me !== run) return;
    stopTimer();
    abort = null;

    if (!resp.ok || !body || typeof body !== "object") {
      const why = body && body.error ? body.error : t("run.build-answered", { status: `${resp.status} ${resp.statusText}`.trim() });
      out.line(why, "error");
      finish("error", t("run.build-failed"));
      return;
    }
    if (!body.ok) {
      const diags = body.diagnostics || body.errors || [];
      for (const d of diags) out.line(F.formatDiagnostic(d), "stderr");
      if (diags.length === 0 && body.output) out.append(body.output, "stderr");
      if (diags.length === 0 && !body.output) out.line(t("run.build-no-reason"), "stderr");
      editor.markErrors(diags);
      finish("compile-error", t("run.compile-error"));
      return;
    }
    if (typeof body.elapsed_ms === "number") {
      status.title = body.cached ? t("run.cached") : t("run.compiled-in", { ms: body.elapsed_ms });
    }
    launch(me, body.wasm);
    editor.vet(source); // go vet's findings, while the program runs (editor.js)
  }

  // firstOutput marks the first output of a run.
  function firstOutput(me) {
    if (heard) return;
    heard = true;
    perfMark("socketlab:first-output", { cell: cell.id, run: me });
  }

  function launch(me, wasm) {
    setState("running", t("run.running"));
    let w;
    try {
      if (!pool) throw new Error(t("run.no-python"));
      w = pool.take();
    } catch (err) {
      out.line(t("run.cannot-start", { err: err.message || err }), "error");
      finish("error", t("run.error"));
      return;
    }
    worker = w;
    record = { output: "", stdout: "", stderr: "", stdin: "", exit: null, events: [] };
    input.hidden = false;
    // A program that goes quiet is usually waiting: for a reply that does not come, for a
    // client, or for input. Say so in the status line, with the way out.
    let lastHeard = Date.now();
    timer = setInterval(() => {
      const quiet = Math.floor((Date.now() - lastHeard) / 1000);
      if (cell.dataset.state === "running" && quiet >= 5) {
        status.textContent = t("run.quiet", { s: quiet });
      }
    }, 1000);
    w.onmessage = (e) => {
      if (me !== run) return;
      const m = e.data || {};
      lastHeard = Date.now();
      if (cell.dataset.state === "running") status.textContent = t("run.running");
      switch (m.type) {
        case "stdout":
          firstOutput(me);
          record.stdout += String(m.text ?? "");
          record.output += String(m.text ?? "");
          out.append(String(m.text ?? ""), null);
          break;
        case "stderr":
          firstOutput(me);
          record.stderr += String(m.text ?? "");
          record.output += String(m.text ?? "");
          out.append(String(m.text ?? ""), "stderr");
          break;
        case "event":
          if (m.event && typeof m.event === "object") record.events.push(m.event);
          wire.add(m.event);
          break;
        case "pause":
          setState("paused", wire.pause(m.about));
          break;
        case "stepped":
          status.textContent = wire.stepped(m.about);
          break;
        case "reading":
          input.classList.add("waiting");
          break;
        case "file":
          files.set(m.path, m.data);
          break;
        case "file-removed":
          files.remove(m.path);
          break;
        case "fs-full":
          out.line(files.full(m.bytes, m.files), "error");
          break;
        case "exit": {
          const code = Number.isInteger(m.code) ? m.code : 0;
          record.exit = code;
          perfMark("socketlab:exit", { cell: cell.id, run: me });
          out.line(t("run.exit-status", { code }), "exit");
          finish("exited", t("run.exited", { code }));
          break;
        }
        case "error":
          out.line(String(m.message ?? t("run.program-failed")), "error");
          finish("error", t("run.error"));
          break;
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      if (me !== run) return;
      out.line(t("run.worker-failed", { err: e.message || t("run.worker-load", { url: pool.url }) }), "error");
      finish("error", t("run.error"));
    };
    w.onmessageerror = () => {
      if (me !== run) return;
      out.line(t("run.bad-message"), "error");
      finish("error", t("run.error"));
    };
    const args = F.splitArgs(argsInput.value);
    const faults = faultsInput ? faultsInput.value : "";
    const step = stepping;
    const program = python ? Promise.resolve(null) : moduleFor(wasm);
    program.then((module) => {
      if (me !== run) return; // stopped meanwhile
      perfMark("socketlab:program-ready", { cell: cell.id, run: me });
      const gateway = withFaults(env.gateway(), faults);
      if (python) w.postMessage({ type: "run", source: sourceOf(editor.getValue()), args, gateway, lang: language() });
      else w.postMessage({ type: "run", wasm: env.url(wasm), module, args, gateway, step, lang: language() });
      // Input that came with a share link goes in whole, ended, as a file would.
      const preset = presetStdin();
      if (preset !== null) {
        out.append(preset, "stdin");
        if (record) record.stdin = preset;
        w.postMessage({ type: "stdin", text: preset, eof: true });
      }
    });
  }

  function stop() {
    if (!runBtn.disabled) return; // nothing to stop
    out.line(t("run.stopped"), "exit");
    finish("stopped", t("run.stopped"));
  }

  // Standard input: a line under the console while the program runs. Enter sends the line
  // (echoed in the console, as a terminal would), Ctrl-D ends the input.
  const input = document.createElement("input");
  input.className = "stdin";
  input.type = "text";
  input.hidden = true;
  input.setAttribute("aria-label", t("run.stdin-label"));
  input.placeholder = t("run.stdin-placeholder");
  cell.querySelector(".console").after(input);
  // The files the run wrote, under the console (files.js).
  const files = makeFiles(input);
  input.addEventListener("keydown", (e) => {
    if (!worker) return;
    if (e.key === "Enter") {
      e.preventDefault();
      const text = input.value + "\n";
      input.value = "";
      input.classList.remove("waiting");
      out.append(text, "stdin");
      if (record) record.stdin += text;
      worker.postMessage({ type: "stdin", text });
    } else if (e.key === "d" && e.ctrlKey) {
      e.preventDefault();
      if (input.value) out.append(input.value, "stdin");
      if (record) record.stdin += input.value;
      worker.postMessage({ type: "stdin", text: input.value, eof: true });
      input.value = "";
      input.classList.remove("waiting");
      out.line(t("run.end-of-input"), "exit");
    }
  });

  runBtn.addEventListener("click", start);
  stopBtn.addEventListener("click", stop);
  for (const input of [argsInput, faultsInput]) {
    if (!input) continue;
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        if (!runBtn.disabled) start();
      }
    });
  }
  runBtn.disabled = false;
  stopBtn.disabled = true;
  setState("idle", "");
  return { cell, prepare };
}

// sourceOf is the program sent to /api/build: the editor drops the block's last newline,
// and the gateway compiled the lesson's cells with it, so it goes back on (the same program
// must have the same hash, or an unchanged cell would be compiled again).
function sourceOf(text) {
  return text.endsWith("\n") ? text : text + "\n";
}
