// The lesson page: turns every <section class="cell"> that the server rendered into a
// working cell (cell.js), with its programs' workers started from this page's gateway.
// An entry point: the page loads it as a module.
import { gatewayURL, learnerID, mountCell, perfMark, workerPool } from "./cell.js";
import { pythonPool } from "./python-run.js";
import { loadCodeMirror } from "./editor.js";
import { pageStore } from "./keep.js";
import { useCells } from "./classroom.js"; // in a class: runs reported to the teacher's view, the teacher's notes shown

// Programs the gateway has compiled already, cell id → "/wasm/HASH.wasm" (data-programs,
// lessons/handler.go): an unchanged cell runs one of these without asking /api/build.
let programs = {};
try {
  programs = JSON.parse(document.body.dataset.programs || "{}") || {};
} catch (e) {
  programs = {};
}

const pool = workerPool(document.body.dataset.worker || "/static/worker.js");
// Python cells run in a pair of workers of their own (python-run.js), started only on pages
// that have one: Pyodide is ten times the size of a Go program.
const hasPython = document.querySelector('section.cell[data-lang="python"]') !== null;
// A page whose client cells run beside a server cell (data-needs) keeps two pairs ready.
const pythonSpares = document.querySelector('section.cell[data-lang="python"][data-needs]') !== null ? 2 : 1;
const env = {
  url: (p) => p,
  gateway: () => gatewayURL(location.href, learnerID()),
  pool,
  pythonPool: hasPython ? pythonPool(undefined, pythonSpares) : null,
  programs,
  compileHere: true,
  keep: true,
  stdin: document.body.dataset.stdin, // a page of one cell, /embed/cell?stdin=...
};
// A page of one cell, /embed/cell?code=...: its query says which program it is, so the edits
// are kept under (a hash of) the query, and a share link keeps the query.
if (document.body.classList.contains("embed-cell")) {
  env.keep = {
    store: pageStore(`socketlab.embed-cell.${hashText(location.search)}.`),
    link: location.origin + location.pathname + location.search,
  };
}

// hashText is a short name for a text: a 53-bit hash of it, in base 36.
function hashText(s) {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

const cells = Array.from(document.querySelectorAll("section.cell"), (cell) => mountCell(cell, env));
perfMark("socketlab:cells-ready");
// A cell the teacher sends the class works as the lesson's do, with its edits not kept: the
// teacher may send the same cell again, changed.
useCells((cell) => {
  mountCell(cell, { ...env, keep: false, programs: {} });
  loadCodeMirror();
});

// The page is interactive when every Run button works and the first cell can start at once:
// its program downloaded and compiled, a worker waiting (socketlab:interactive, with
// {program: false} when the gateway had not compiled that cell yet). The other cells'
// programs are prepared as they come near the screen: each compiled module holds its
// program's code, so a long lesson does not compile them all up front.
if (cells.length > 0) {
  const first = cells[0].cell.dataset.lang === "python";
  const worker = first ? null : pool.keepSpare();
  Promise.all([cells[0].prepare(), first ? cells[0].prepare() : worker ? worker.ready : false]).then(([program, ready]) => {
    perfMark("socketlab:interactive", { program, worker: ready });
    loadCodeMirror(); // the editors come after: until then the cells are text areas
  });
  if (typeof IntersectionObserver === "function") {
    const near = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        near.unobserve(e.target);
        const c = cells.find((c) => c.cell === e.target);
        if (c) c.prepare();
      }
    }, { rootMargin: "100% 0px" });
    for (const c of cells.slice(1)) near.observe(c.cell);
  }
}
