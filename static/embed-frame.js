// embed-frame.js: the gateway's hidden frame in a page that embeds cells (embed-main.js).
// It starts the programs' module workers (worker.js) in the gateway's own origin and passes
// messages between them and the page that framed it, and no other: the gateway serves the
// frame to an origin its operator allows, with that origin alone as its frame-ancestors,
// and the frame answers that origin's window alone.
//
// It also keeps the learner's edits to the page's cells (Keep, keep.js) in the gateway's
// localStorage, under the framing page's origin and path and the cell's id. A browser that
// partitions a frame's storage by the top-level site keeps them per host site as well.
//
// Page → frame: {start: id}, {to: id, msg}, {terminate: id},
//               {load: req, page: path, cell: id}, {save: {page: path, cell: id, value}}
// Frame → page: {ready: true}, {from: id, data}, {from: id, error: text}, {loaded: req, value}
import { setLang, t } from "./i18n.js";

// The frame speaks the cells' language (embed-main.js puts it in the frame's address).
setLang(new URLSearchParams(location.search).get("lang") || "en");
const parentOrigin = document.body.dataset.origin;
const workerURL = document.body.dataset.worker;
const MAX_WORKERS = 32; // a page runs a program or two per cell, and keeps one spare

const workers = new Map();

function tell(m) {
  parent.postMessage(m, parentOrigin);
}

function start(id) {
  if (workers.has(id)) return;
  if (workers.size >= MAX_WORKERS) {
    tell({ from: id, error: t("embed.too-many", { n: MAX_WORKERS }) });
    return;
  }
  let w;
  try {
    w = new Worker(workerURL, { type: "module" });
  } catch (err) {
    tell({ from: id, error: t("embed.no-worker", { err: err.message || err }) });
    return;
  }
  w.onmessage = (e) => tell({ from: id, data: e.data });
  w.onerror = (e) => {
    e.preventDefault();
    tell({ from: id, error: e.message || t("embed.worker-load") });
  };
  w.onmessageerror = () => tell({ from: id, error: t("run.bad-message") });
  workers.set(id, w);
}

const MAX_KEPT = 256 << 10; // characters of one cell's edit: a program is a few kilobytes

// keptKey is where a cell's edit lives: the framing origin comes from the gateway (the
// frame's address, checked against --origin), so a page reads its own origin's edits alone.
function keptKey(page, cell) {
  if (typeof page !== "string" || typeof cell !== "string" || page.length > 2048 || cell.length > 200) return null;
  return "socketlab.embed." + parentOrigin + page + "#" + cell;
}

function load(req, page, cell) {
  let value = null;
  try {
    const key = keptKey(page, cell);
    if (key) value = JSON.parse(localStorage.getItem(key) || "null");
  } catch (e) {
    // No storage here (the browser blocks it in frames), or not ours: nothing kept.
  }
  tell({ loaded: req, value });
}

function save({ page, cell, value } = {}) {
  try {
    const key = keptKey(page, cell);
    if (!key) return;
    const text = value ? JSON.stringify(value) : "";
    if (text && text.length <= MAX_KEPT) localStorage.setItem(key, text);
    else localStorage.removeItem(key);
  } catch (e) {
    // No storage, or full: the edit lasts as long as the page.
  }
}

addEventListener("message", (e) => {
  if (e.origin !== parentOrigin || e.source !== parent) return;
  const m = e.data || {};
  if (Number.isInteger(m.load)) load(m.load, m.page, m.cell);
  if (m.save) save(m.save);
  if (Number.isInteger(m.start)) start(m.start);
  if (Number.isInteger(m.to)) {
    const w = workers.get(m.to);
    if (w) w.postMessage(m.msg);
  }
  if (Number.isInteger(m.terminate)) {
    const w = workers.get(m.terminate);
    if (w) w.terminate();
    workers.delete(m.terminate);
  }
});

if (parentOrigin && parent !== window) tell({ ready: true });
