// Classroom mode on a lesson page: the page tells the gateway about each run it finishes,
// so the teacher's view shows it (POST /api/class/run), and shows what the teacher sends the
// class (GET /api/class/notes, asked every few seconds; the same request tells the gateway
// the page is open, and on which lesson). A note's words go in a box of notes; its code
// becomes a runnable cell at the end of the lesson ("note-SEQ"), with the lesson cells'
// editor, Run and Stop, console and wire view, and its runs reach the teacher as theirs do.
//
// Outside a class the gateway has no /api/class/ and answers 404 (or 401 to someone who has
// not joined): the module then does nothing more. lesson.js imports it, and dispatches
// "socketlab:run-ended" on a cell when a run ends however it ends, with {state, source,
// run}: run is the record exercises get ({output, exit, events, ...}), or null when the
// program never started (a compile error).
//
// Under node (no document) it touches no DOM; the pure helpers are tested there.
import { t } from "./i18n.js";

export const NOTES_URL = "/api/class/notes";
export const RUN_URL = "/api/class/run";

// LIMITS are what a report carries at most; the gateway keeps no more (gateway/classroom).
export const LIMITS = Object.freeze({ code: 256 << 10, console: 16 << 10, events: 2000, eventBytes: 1 << 20 });

// POLL_MS is how often the page asks for notes.
export const POLL_MS = 3000;

// tail is the last n characters of s.
export function tail(s, n) {
  s = String(s || "");
  return s.length > n ? s.slice(s.length - n) : s;
}

// report builds the body of POST /api/class/run from a cell's run: lesson and cell name it,
// ended is the "socketlab:run-ended" detail, consoleText the cell's console.
export function report(lesson, cell, ended, consoleText, limits = LIMITS) {
  const run = ended.run || null;
  const events = [];
  let bytes = 0;
  for (const ev of (run && Array.isArray(run.events) ? run.events : [])) {
    const size = JSON.stringify(ev).length;
    if (events.length >= limits.events || bytes + size > limits.eventBytes) break;
    events.push(ev);
    bytes += size;
  }
  const text = String(consoleText || "");
  const out = {
    lesson: String(lesson || ""),
    cell: String(cell || ""),
    state: String(ended.state || ""),
    exit: run && typeof run.exit === "number" ? run.exit : null,
    code: String(ended.source || "").slice(0, limits.code),
    console: tail(run ? run.output : text, limits.console),
    events,
  };
  if (out.state === "compile-error") out.compile_error = text.slice(0, limits.console);
  return out;
}

// PROGRESS_KEY is where exercises.js keeps the exercises passed: {lesson: [names]}.
export const PROGRESS_KEY = "socketlab.progress";

// mergeProgress adds to progress ({lesson: [names]}, as kept in the browser) what the
// gateway says the learner passed (on this machine or another); it returns the
// "lesson/name"s that were new here.
export function mergeProgress(progress, passed) {
  const added = [];
  if (!passed || typeof passed !== "object") return added;
  for (const [lesson, names] of Object.entries(passed)) {
    if (!Array.isArray(names)) continue;
    const done = Array.isArray(progress[lesson]) ? progress[lesson] : [];
    for (const n of names) {
      if (typeof n === "string" && !done.includes(n)) {
        done.push(n);
        added.push(`${lesson}/${n}`);
      }
    }
    progress[lesson] = done;
  }
  return added;
}

// continueProgress keeps in this browser what the learner passed elsewhere, and marks those
// exercises' panels on this page as exercises.js does for ones passed before.
function continueProgress(passed) {
  let progress = {};
  try {
    progress = JSON.parse(localStorage.getItem(PROGRESS_KEY) || "{}") || {};
    if (typeof progress !== "object" || Array.isArray(progress)) progress = {};
  } catch (e) {
    progress = {};
  }
  const added = mergeProgress(progress, passed);
  if (added.length === 0) return;
  try {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify(progress));
  } catch (e) {
    // No storage: the panels below still show it.
  }
  for (const panel of document.querySelectorAll("section.exercise")) {
    if (!added.includes(`${panel.dataset.lesson}/${panel.dataset.exercise}`) || panel.dataset.state) continue;
    panel.dataset.state = "done-before";
    const status = panel.querySelector(".exercise-status");
    if (status) status.textContent = t("ex.passed-before");
  }
}

// freshNotes says which notes the learner has not seen: those after seen, the last seq this
// browser showed them.
export function freshNotes(notes, seen) {
  return notes.filter((n) => (Number(n.seq) || 0) > seen);
}

// moved says whether the class moved to another gateway (or the gateway restarted): the
// notes' answers come from a server other than the one before. A deployment's replica went
// away and the class continues on another, with its roster and progress, but the learners'
// programs, and the servers they ran, went with the old one.
export function moved(before, now) {
  return Boolean(before) && Boolean(now) && before !== now;
}

// showMoved puts the one line saying so at the top of the page.
function showMoved() {
  let line = document.querySelector(".class-moved");
  if (!line) {
    line = el("p", "class-moved");
    line.setAttribute("role", "status");
    document.body.prepend(line);
  }
  line.textContent = t("class.moved");
  document.body.dataset.classMoved = String(Number(document.body.dataset.classMoved || 0) + 1);
}

// noteCellID names the cell a note's code becomes: "note-7". It is the cell the teacher's
// feed shows for its runs.
export function noteCellID(note) {
  return `note-${Number(note.seq) || 0}`;
}

// The page (lesson.js) says how it makes a working cell of cell markup (cell.js's mountCell
// with the page's own workers and gateway); cells that come before it has are mounted then.
let mountCell = null;
const unmounted = [];
export function useCells(mount) {
  mountCell = mount;
  for (const c of unmounted.splice(0)) mount(c);
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// noteCell builds the markup of a lesson cell (the shape lessons/render.go writes, which
// cell.js makes work) holding the code of a teacher's note.
function noteCell(note) {
  const id = noteCellID(note);
  const cell = el("section", "cell class-cell");
  cell.id = `cell-${id}`;
  cell.dataset.cell = id;
  const editor = el("div", "editor");
  const code = el("textarea", "code");
  code.spellcheck = false;
  code.setAttribute("aria-label", t("class.cell-label"));
  code.defaultValue = note.code;
  editor.append(code);
  const controls = el("div", "controls");
  const run = el("button", "run", t("cell.run"));
  const stop = el("button", "stop", t("cell.stop"));
  stop.disabled = true;
  const args = el("label", "", t("cell.args") + " ");
  args.append(el("input", "args"));
  const faults = el("label", "", t("cell.faults") + " ");
  const fin = el("input", "faults");
  fin.placeholder = t("cell.faults-none");
  fin.spellcheck = false;
  faults.append(fin);
  controls.append(run, " ", stop, " ", args, " ", faults, " ", el("span", "status"));
  const out = el("pre", "console");
  out.setAttribute("aria-live", "polite");
  cell.append(editor, controls, out, el("div", "bytes"));
  return cell;
}

// cellsHere is where the teacher's cells go: a section at the end of the lesson, made on the
// first one, newest cell first.
function cellsHere() {
  let here = document.querySelector("section.class-cells");
  if (here) return here;
  here = el("section", "class-cells");
  here.append(el("h2", "", t("class.cells-title")));
  (document.querySelector("main.lesson") || document.querySelector("main") || document.body).append(here);
  return here;
}

// showNote puts one of the teacher's notes on the page: words in the box of notes, code as a
// cell at the end of the lesson (with a button in the box that goes to it), or both. A note
// seen before (on another page of the lesson) goes in the list with the box left as it is.
function showNote(box, note, fresh, reportRuns) {
  const item = el("article", "class-note");
  item.dataset.seq = String(note.seq);
  const when = new Date(note.at);
  item.append(el("p", "class-note-when", t("class.note-when", { time: when.toLocaleTimeString() })));
  if (note.text) item.append(el("p", "class-note-text", note.text));
  if (note.code && !document.getElementById(`cell-${noteCellID(note)}`)) {
    const cell = noteCell(note);
    const here = cellsHere();
    here.querySelector("h2").after(cell);
    if (mountCell) mountCell(cell);
    else unmounted.push(cell);
    reportRuns(cell);
    const go = el("button", "class-note-go", t("class.go-to-cell"));
    go.type = "button";
    go.addEventListener("click", () => {
      cell.scrollIntoView({ block: "start", behavior: "smooth" });
      const ta = cell.querySelector(".cm-content") || cell.querySelector("textarea.code");
      if (ta) ta.focus({ preventScroll: true });
    });
    item.append(go);
  }
  const list = box.querySelector(".class-notes-list");
  list.prepend(item);
  if (fresh) box.hidden = false;
  box.dispatchEvent(new Event("socketlab:notes-changed"));
}

function notesBox() {
  const box = el("aside", "class-notes");
  box.setAttribute("aria-live", "polite");
  box.setAttribute("aria-label", t("class.notes-title"));
  box.hidden = true;
  const head = el("div", "class-notes-head");
  const close = el("button", "class-notes-close", "\u00d7");
  close.type = "button";
  close.title = t("class.notes-hide");
  const open = el("button", "class-notes-open");
  open.type = "button";
  open.hidden = true;
  const sync = () => {
    const n = box.querySelectorAll(".class-note").length;
    open.textContent = t("class.notes-open", { n });
    open.hidden = !box.hidden || n === 0;
  };
  close.addEventListener("click", () => { box.hidden = true; sync(); });
  open.addEventListener("click", () => { box.hidden = false; sync(); });
  box.addEventListener("socketlab:notes-changed", sync);
  head.append(el("strong", "", t("class.notes-title")), close);
  box.append(head, el("div", "class-notes-list"));
  document.body.append(box, open);
  return box;
}

// seenKey is where this browser keeps the last note it showed the learner.
function seenKey(name) {
  return `socketlab.class.seen.${name}`;
}

function loadSeen(name) {
  try {
    return Number(localStorage.getItem(seenKey(name))) || 0;
  } catch (e) {
    return 0;
  }
}

function saveSeen(name, seq) {
  try {
    localStorage.setItem(seenKey(name), String(seq));
  } catch (e) {
    // No storage: every page shows the notes anew.
  }
}

function setup() {
  const main = document.querySelector("main.lesson");
  const lesson = main ? main.dataset.lesson || "" : "";
  const css = el("link");
  css.rel = "stylesheet";
  css.href = new URL("./classroom.css", import.meta.url).pathname;
  let box = null;
  let after = 0;
  let joined = false;
  let seen = 0;
  let name = "";
  let server = "";

  // reportRuns tells the gateway of each run of cell that ends.
  function reportRuns(cell) {
    cell.addEventListener("socketlab:run-ended", (e) => {
      const pre = cell.querySelector("pre.console");
      const body = report(lesson, cell.dataset.cell || cell.id, e.detail || {}, pre ? pre.textContent : "");
      fetch(RUN_URL, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then((r) => { document.body.dataset.classReported = String(r.ok ? Number(document.body.dataset.classReported || 0) + 1 : -1); }, () => {});
    });
  }

  function listen() {
    for (const cell of document.querySelectorAll("section.cell")) reportRuns(cell);
  }

  async function poll() {
    let answer = null;
    try {
      const resp = await fetch(`${NOTES_URL}?after=${after}&lesson=${encodeURIComponent(lesson)}`);
      if (resp.status === 404 || resp.status === 401) return; // not in a class: nothing to do
      if (resp.ok) answer = await resp.json();
    } catch (e) {
      // The gateway is away (a restart): ask again later.
    }
    if (answer) {
      if (moved(server, answer.server)) showMoved();
      server = String(answer.server || server);
    }
    if (answer && !joined) {
      joined = true;
      document.head.appendChild(css);
      box = notesBox();
      name = String(answer.name || "");
      document.body.dataset.classmate = name;
      seen = loadSeen(name);
      listen();
      continueProgress(answer.passed);
    }
    const notes = answer && Array.isArray(answer.notes) ? answer.notes : [];
    const fresh = freshNotes(notes, seen);
    for (const n of notes) {
      after = Math.max(after, Number(n.seq) || 0);
      showNote(box, n, fresh.includes(n), reportRuns);
    }
    if (fresh.length > 0) {
      seen = Math.max(seen, ...fresh.map((n) => Number(n.seq) || 0));
      saveSeen(name, seen);
    }
    setTimeout(poll, POLL_MS);
  }
  poll();
}

if (typeof document !== "undefined") setup();
