// embed-main.js: socketlab cells in another site's page (loaded by embed.js, docs/embed.md).
//
// Every <pre data-socketlab> and every <socketlab-cell> becomes a cell (cell.js) inside a
// shadow root of its own, so that the page's styles and the cell's leave each other alone.
// The cell talks to the gateway that served this module: builds and the wire view's
// requests go there with CORS, which the gateway answers for the origins its operator lists
// (--origin). Before any cell is mounted the gateway is asked whether this page may use it
// (/embed/hello); when it may not, each cell shows the gateway's reason, which names the
// flag that would allow it.
//
// Programs run in module workers that live in a hidden frame of the gateway's own origin
// (embed-frame.js): a worker must be of its starter's origin, and inside that frame the
// programs run under the gateway's Content Security Policy (WebAssembly allowed) and open
// their WebSocket from the gateway's origin, whatever the host page's policy says. The frame
// passes messages between the cells and their workers; docs/embed.md says why a frame and
// not a worker from a Blob URL.
//
// Keep and Share (keep.js) work as on a lesson page, with two differences: a reader's edits
// are kept by the frame, in the gateway's storage under this page's address and the cell's
// id (the host site's storage is left alone), and a share link leads to this page, whose
// embed reads it and puts the code into the cell it names.
import { mountCell, perfMark } from "./cell.js";
import { readCell, verdict } from "./embed-read.js";
import { langCode, setLang, t } from "./i18n.js";

const GATEWAY = new URL(import.meta.url).origin;
const api = (p) => new URL(p, GATEWAY).href;

// One learner id per page load, not stored: the cells of a page are one learner's, so a
// server in one cell is localhost to the others, and nothing is written into the host
// site's storage.
const learner = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// hello asks the gateway whether this page's origin may embed cells: {ok, error}.
async function hello() {
  try {
    const resp = await fetch(api("/embed/hello"), { cache: "no-store" });
    const body = await resp.json().catch(() => null);
    if (body && typeof body.ok === "boolean") return body;
    return { ok: false, error: t("embed.hello-answered", { gateway: GATEWAY, status: resp.status }) };
  } catch (e) {
    return { ok: false, error: t("embed.unreachable", { gateway: GATEWAY }) };
  }
}

// styles are the cell's stylesheets, made once: the lesson page's style.css and embed.css,
// as constructed sheets (adopted by each shadow root, and not subject to the host's
// style-src, which a <style> element would be).
let sheets = null;
function styles() {
  if (!sheets) {
    sheets = Promise.all(["style.css", "embed.css"].map(async (name) => {
      const sheet = new CSSStyleSheet();
      try {
        const resp = await fetch(new URL(name, import.meta.url).href);
        if (resp.ok) sheet.replaceSync(pixels(await resp.text()));
      } catch (e) {
        // An unstyled cell still works.
      }
      return sheet;
    }));
  }
  return sheets;
}

// pixels turns a stylesheet's rem lengths into px (at 16px a rem): inside a shadow root a rem
// is still the host page's root font size, which the host may have changed.
function pixels(css) {
  return css.replace(/(\d*\.?\d+)rem\b/g, (_, n) => `${Math.round(Number(n) * 16 * 100) / 100}px`);
}

// The worker frame: one per page, started on first use.
let frame = null;

function workerFrame() {
  if (frame) return frame;
  const host = document.createElement("socketlab-frame");
  const root = host.attachShadow({ mode: "closed" });
  const iframe = document.createElement("iframe");
  iframe.title = t("embed.runner");
  iframe.setAttribute("aria-hidden", "true");
  iframe.tabIndex = -1;
  iframe.style.cssText = "position:absolute;width:0;height:0;border:0;visibility:hidden";
  iframe.src = api("/embed/frame?origin=" + encodeURIComponent(location.origin) + "&lang=" + langCode(lang));
  root.appendChild(iframe);
  host.style.cssText = "display:block;position:absolute;width:0;height:0;overflow:hidden";
  (document.body || document.documentElement).appendChild(host);

  const workers = new Map();
  let next = 1;
  let ready = false;
  let broken = null; // why the frame cannot run programs, once that is known
  const queue = [];
  const breakFrame = (why) => {
    if (ready || broken) return;
    broken = why;
    for (const w of workers.values()) w.fail(why);
    for (const resolve of loads.values()) resolve(null);
    loads.clear();
  };
  // A policy without frame-src for the gateway blocks the frame: say so at once. Any other
  // reason the frame does not answer (the gateway refused it, or is gone) shows in time.
  document.addEventListener("securitypolicyviolation", (e) => {
    if (e.effectiveDirective === "frame-src" && String(e.blockedURI).startsWith(GATEWAY)) {
      breakFrame(t("embed.frame-csp", { gateway: GATEWAY }));
    }
  });
  setTimeout(() => breakFrame(t("embed.frame-silent", { gateway: GATEWAY })), 20000);
  const loads = new Map(); // request → resolve, for kept edits
  const send = (m) => {
    if (ready) iframe.contentWindow.postMessage(m, GATEWAY);
    else queue.push(m);
  };
  addEventListener("message", (e) => {
    if (e.origin !== GATEWAY || e.source !== iframe.contentWindow) return;
    const m = e.data || {};
    if (m.ready) {
      ready = true;
      for (const q of queue.splice(0)) iframe.contentWindow.postMessage(q, GATEWAY);
      return;
    }
    if (Number.isInteger(m.loaded)) {
      const resolve = loads.get(m.loaded);
      loads.delete(m.loaded);
      if (resolve) resolve(m.value ?? null);
      return;
    }
    const w = workers.get(m.from);
    if (!w) return;
    if ("error" in m) w.fail(String(m.error));
    else w.deliver(m.data);
  });

  // FrameWorker stands for a Worker in the frame, with the part of Worker's interface that
  // cell.js uses: postMessage, terminate, onmessage, onerror, and ready and failed as a
  // workerPool's workers have them.
  class FrameWorker {
    constructor() {
      this.id = next++;
      this.failed = false;
      this.onmessage = null;
      this.onerror = null;
      this.onmessageerror = null;
      workers.set(this.id, this);
      this.ready = new Promise((resolve) => { this.readied = resolve; });
      send({ start: this.id });
      if (broken) this.fail(broken);
    }
    postMessage(msg) { send({ to: this.id, msg }); }
    terminate() {
      workers.delete(this.id);
      send({ terminate: this.id });
    }
    deliver(data) {
      if (data && data.type === "ready") this.readied(true);
      if (this.onmessage) this.onmessage({ data });
    }
    // fail reports after the caller has set its handlers (they are set right after take).
    fail(message) {
      this.failed = true;
      this.readied(false);
      setTimeout(() => {
        if (this.onerror && workers.has(this.id)) this.onerror({ message, preventDefault() {} });
      }, 0);
    }
  }

  // store is where Keep (keep.js) keeps this page's cells' edits: in the frame, which keeps
  // them in the gateway's storage under this page's address (embed-frame.js).
  const page = location.pathname;
  const store = {
    load(cell) {
      if (broken) return Promise.resolve(null);
      return new Promise((resolve) => {
        const req = next++;
        loads.set(req, resolve);
        send({ load: req, page, cell });
      });
    },
    save(cell, value) {
      send({ save: { page, cell, value } });
    },
  };

  let spare = null;
  frame = {
    store,
    url: api("/static/worker.js"),
    keepSpare() {
      if (!spare || spare.failed) spare = new FrameWorker();
      return spare;
    },
    take() {
      const w = spare && !spare.failed ? spare : new FrameWorker();
      spare = null;
      return w;
    },
  };
  return frame;
}

// cellMarkup builds what lessons/render.go's writeCell writes for a lesson cell (cell.js
// reads it by these class names), with DOM calls rather than HTML: a host page may require
// Trusted Types.
function cellMarkup(section, spec) {
  const editor = el("div", "editor");
  const gutter = el("div", "gutter");
  gutter.setAttribute("aria-hidden", "true");
  const code = el("textarea", "code");
  code.spellcheck = false;
  code.setAttribute("aria-label", t("embed.code"));
  code.defaultValue = spec.code;
  code.value = spec.code;
  editor.append(gutter, code);
  const controls = el("div", "controls");
  const run = el("button", "run", t("embed.run"));
  const stop = el("button", "stop", t("embed.stop"));
  stop.disabled = true;
  const label = el("label", "", t("embed.args") + " ");
  const args = el("input", "args");
  args.value = spec.argsText;
  label.appendChild(args);
  const faultsLabel = el("label", "", t("embed.faults") + " ");
  const faults = el("input", "faults");
  faults.value = spec.faults;
  faults.placeholder = t("embed.faults-none");
  faults.spellcheck = false;
  faults.title = t("embed.faults-title");
  faultsLabel.appendChild(faults);
  controls.append(run, " ", stop, " ", label, " ", faultsLabel, " ", el("span", "status"));
  const console = el("pre", "console");
  console.setAttribute("aria-live", "polite");
  section.append(editor, controls, console, el("div", "bytes"));
}

// build makes the cell's markup in a shadow root on host, from what readCell found.
function build(host, spec, adopted) {
  const root = host.attachShadow({ mode: "open" });
  root.adoptedStyleSheets = adopted;
  if (spec.with) root.appendChild(el("p", "cell-needs", t("embed.needs", { cell: spec.with })));
  const section = el("section", "cell");
  section.dataset.cell = spec.id;
  section.id = "cell-" + spec.id;
  cellMarkup(section, spec);
  root.appendChild(section);
  if (spec.output !== null) {
    const d = el("details", "expected");
    d.appendChild(el("summary", "", t("embed.expected")));
    d.appendChild(el("pre", "expected-output", spec.output));
    section.appendChild(d);
  }
  const v = el("p", "verdict");
  v.setAttribute("role", "status");
  section.appendChild(v);
  return { root, section, verdictLine: v };
}

let count = 0;

// mount turns one element of the page into a cell; answer is the gateway's /embed/hello.
function mount(source, answer, adopted) {
  const spec = readCell(source, ++count);
  const host = document.createElement("socketlab-embed");
  if (spec.id) host.id = "socketlab-" + spec.id;
  source.replaceWith(host);
  if (spec.outputBlock) spec.outputBlock.remove();
  const { section, verdictLine } = build(host, spec, adopted);
  for (const why of spec.errors) section.querySelector("pre.console").appendChild(el("span", "note", "socketlab: " + why + "\n"));
  if (!answer.ok) {
    section.dataset.state = "refused";
    section.querySelector("button.run").disabled = true;
    section.querySelector("button.stop").disabled = true;
    const status = section.querySelector(".status");
    status.textContent = t("embed.refused");
    section.querySelector("pre.console").textContent = refusal(answer);
    return;
  }
  mountCell(section, {
    url: api,
    gateway: () => api("/ws?learner=" + learner).replace(/^http/, "ws"),
    pool: workerFrame(),
    programs: {},
    compileHere: false,
    // Keep in the gateway's frame; Share links to this page, whose embed reads the link.
    keep: { store: workerFrame().store, link: location.origin + location.pathname + location.search },
    stdin: spec.stdin,
  });
  section.addEventListener("socketlab:run-finished", (e) => {
    const v = verdict(spec, e.detail);
    verdictLine.textContent = v.text;
    verdictLine.className = "verdict " + v.cls;
  });
}

// refusal words the gateway's refusal of this page: its reason as it gave it (English), or in
// the cells' language when the answer names the page's host.
function refusal(answer) {
  return lang !== "en" && answer.host ? t("embed.not-allowed", { host: answer.host }) : answer.error;
}

// lang is the cells' language: the nearest lang attribute of the page's first cell (on the
// block itself, an element around it, or <html>), "en" or "zh"; cells added later speak it too.
let lang = "en";

// start mounts every cell of the page, and cells added later (a page that renders late).
export async function start() {
  const first = document.querySelector("pre[data-socketlab], socketlab-cell");
  lang = langCode((first && first.closest("[lang]") || document.documentElement).getAttribute("lang"));
  setLang(lang);
  const answer = await hello();
  const adopted = await styles();
  const selector = "pre[data-socketlab], socketlab-cell";
  const found = document.querySelectorAll(selector);
  for (const e of found) mount(e, answer, adopted);
  perfMark("socketlab:cells-ready");
  // A worker waits in the frame before anyone presses Run, as on a lesson page; then the
  // cells are interactive (socketlab:interactive, {worker: false} when it failed to start).
  if (answer.ok && found.length > 0) {
    workerFrame().keepSpare().ready.then((worker) => perfMark("socketlab:interactive", { worker }));
  }
  new MutationObserver(() => {
    for (const e of document.querySelectorAll(selector)) mount(e, answer, adopted);
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.dispatchEvent(new CustomEvent("socketlab:embedded", { detail: { gateway: GATEWAY, ok: answer.ok } }));
}
