// The lesson page: turns every <section class="cell"> that the server rendered into a
// working cell (cell.js), with its programs' workers started from this page's gateway.
// An entry point: the page loads it as a module.
import { gatewayURL, learnerID, mountCell, perfMark, workerPool } from "./cell.js";
import { loadCodeMirror } from "./editor.js";
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
const env = {
  url: (p) => p,
  gateway: () => gatewayURL(location.href, learnerID()),
  pool,
  programs,
  compileHere: true,
  keep: true,
  stdin: document.body.dataset.stdin, // a page of one cell, /embed/cell?stdin=...
};

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
  const worker = pool.keepSpare();
  Promise.all([cells[0].prepare(), worker ? worker.ready : false]).then(([program, ready]) => {
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
