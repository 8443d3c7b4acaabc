// Keep and Share for a lesson cell.
//
// Keep: what the learner changes in a cell (its code and its Arguments field) is kept in the
// browser's localStorage, one key a cell ("socketlab.edit.CELL": {code, args}), and put back
// when the page loads again. A cell that differs from the lesson says "edited" and gets a
// Reset button, which brings the lesson's code and arguments back and forgets the edit.
//
// Share: a Share button makes a link to the lesson that carries this cell's code, arguments
// and standard input in its fragment (share.js). Opening it puts them into the cell (and
// keeps them, as an edit), scrolls to the cell, and sends that input to the program at each
// Run until the learner clears it. The input shared is the input the link brought, else
// what the learner typed in the last run.
//
// cell.js calls keep(cell, editor, where) once per cell, with editor = {get(), set(text),
// original}: the one way this module reads and writes the cell's code, whatever the editor.
// It returns {stdin(), changed()}: stdin() is the input to send at the start of a run (null
// for none); changed() tells that the code changed, for editors that fire no input event.
//
// where, when given, says where the edits live and where a link leads, for a cell that is
// not on a lesson page (an embedded cell, embed-main.js):
//   store   {load(id) → value or Promise of one, save(id, value or null)} in place of
//           this page's localStorage
//   link    the address a share link starts with (default: this page's, without its query)
import { decodeShare, encodeShare, isShare } from "./share.js";
import { t } from "./i18n.js";

const KEY = "socketlab.edit.";
const SAVE_DELAY = 300; // ms after the last keystroke

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// pageStore keeps edits in this page's localStorage, each cell's under prefix + its id.
export function pageStore(prefix = KEY) {
  return {
    load(id) {
      try {
        const v = JSON.parse(localStorage.getItem(prefix + id) || "null");
        if (v && typeof v.code === "string" && typeof (v.args ?? "") === "string") return v;
      } catch (e) {
        // No storage, or something else under our key: nothing kept.
      }
      return null;
    },
    save(id, v) {
      try {
        if (v) localStorage.setItem(prefix + id, JSON.stringify(v));
        else localStorage.removeItem(prefix + id);
        return true;
      } catch (e) {
        return false; // private mode or full: the edit lasts as long as the page
      }
    },
  };
}

const localStore = pageStore();

// The cells of this page with Keep, by id, in the order they were mounted: a share link
// names one of them (the cells of an embedding page live in shadow roots, where
// document.querySelector does not look).
const mounted = new Map();

// The share link this page was opened with, read once for all cells.
let sharedOnce = null;
function shared() {
  if (!sharedOnce) {
    const hash = location.hash;
    sharedOnce = isShare(hash) ? decodeShare(hash).catch((err) => ({ error: err })) : Promise.resolve(null);
    // The link did its work once it is read: a reload shows the kept edit, not the link again.
    if (isShare(hash)) sharedOnce.then(() => history.replaceState(null, "", location.pathname + location.search));
  }
  return sharedOnce;
}

// A share link pasted into a tab that shows its lesson already only changes the fragment:
// load the page again so that the link is read.
if (typeof window === "object") {
  window.addEventListener("hashchange", () => {
    if (isShare(location.hash)) location.reload();
  });
}

// describe shows input on one line: each new line as ↵.
function describe(text) {
  const s = text.replace(/\n/g, "\u21b5 ").trimEnd();
  return s.length > 200 ? s.slice(0, 200) + "\u2026" : s;
}

export function keep(cell, editor, where = {}) {
  const id = cell.dataset.cell;
  const kept = where.store || localStore;
  if (!mounted.has(id)) mounted.set(id, cell);
  const args = cell.querySelector("input.args");
  const controls = cell.querySelector(".controls");
  const originalArgs = args ? args.defaultValue : "";
  let preset = null; // input from a share link, sent at each Run
  let lastInput = ""; // what the learner typed in the last run

  const badge = el("span", "edited-badge", t("keep.edited"));
  badge.title = t("keep.edited-title");
  const reset = el("button", "reset", t("keep.reset"));
  reset.type = "button";
  reset.title = t("keep.reset-title");
  const share = el("button", "share", t("keep.share"));
  share.type = "button";
  share.title = t("keep.share-title");
  const linkBox = el("div", "share-link");
  linkBox.hidden = true;
  const link = el("input", "share-url");
  link.readOnly = true;
  link.setAttribute("aria-label", t("keep.link-label"));
  const linkNote = el("span", "share-note");
  linkBox.append(link, " ", linkNote);
  const presetBox = el("p", "shared-stdin");
  presetBox.hidden = true;
  const presetText = el("code");
  const presetClear = el("button", "clear-stdin", t("keep.clear"));
  presetClear.type = "button";
  presetBox.append(t("keep.preset"), presetText, " ", presetClear);
  const notice = el("p", "share-error");
  notice.hidden = true;

  const status = controls ? controls.querySelector(".status") : null;
  if (controls) {
    if (status) status.before(share, " ", reset, " ", badge, " ");
    else controls.append(" ", share, " ", reset, " ", badge);
    controls.after(linkBox, presetBox, notice);
  }

  function current() {
    return { code: editor.get(), args: args ? args.value : "" };
  }

  function isEdited(v) {
    return v.code !== editor.original || v.args !== originalArgs;
  }

  function show(edited) {
    if (edited) cell.dataset.edited = "true";
    else delete cell.dataset.edited;
    badge.hidden = !edited;
    reset.hidden = !edited;
  }

  function setPreset(text) {
    preset = text ? text : null;
    presetBox.hidden = preset === null;
    presetText.textContent = preset === null ? "" : describe(preset);
  }

  let timer = null;
  function save() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const v = current();
    const edited = isEdited(v);
    show(edited);
    kept.save(id, edited ? v : null);
  }

  function changed() {
    show(isEdited(current()));
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY);
  }

  function apply(v) {
    if (typeof v.code === "string" && v.code !== editor.get()) editor.set(v.code);
    if (args && typeof v.args === "string") args.value = v.args;
  }

  cell.addEventListener("input", (e) => {
    if (e.target && e.target.classList && (e.target.classList.contains("stdin") || e.target.classList.contains("share-url"))) return;
    changed();
  });
  window.addEventListener("pagehide", () => { if (timer !== null) save(); });
  document.addEventListener("visibilitychange", () => { if (document.hidden && timer !== null) save(); });

  reset.addEventListener("click", () => {
    apply({ code: editor.original, args: originalArgs });
    setPreset(null);
    save();
    linkBox.hidden = true;
  });
  presetClear.addEventListener("click", () => setPreset(null));

  share.addEventListener("click", async () => {
    const v = current();
    try {
      const hash = await encodeShare(id, { code: v.code, args: v.args, stdin: preset ?? lastInput });
      link.value = (where.link || location.origin + location.pathname) + hash;
    } catch (err) {
      link.value = "";
      linkNote.textContent = t("keep.no-link", { err: err.message || err });
      linkBox.hidden = false;
      return;
    }
    linkBox.hidden = false;
    link.focus();
    link.select();
    linkNote.textContent = link.value.length > 8000
      ? t("keep.long-link", { kb: Math.round(link.value.length / 1024) })
      : "";
    try {
      await navigator.clipboard.writeText(link.value);
      linkNote.textContent = (t("keep.copied") + " " + linkNote.textContent).trim();
    } catch (e) {
      // No clipboard here (or no permission): the link is selected for copying by hand.
    }
    cell.dataset.shared = "true";
  });

  // What the learner typed in a run, for the next Share.
  cell.addEventListener("socketlab:run-finished", (e) => {
    if (e.detail && typeof e.detail.stdin === "string") lastInput = e.detail.stdin;
  });

  // Put back a kept edit (now, from this page's storage; when it comes, from a store that
  // answers later, unless the learner has typed meanwhile); a share link for this cell, once
  // read, wins over it.
  const restore = (v) => {
    if (v && typeof v.code === "string" && typeof (v.args ?? "") === "string" && !isEdited(current())) apply(v);
    show(isEdited(current()));
  };
  let v = null;
  try {
    v = kept.load(id);
  } catch (e) {
    // Nothing kept.
  }
  const restored = v && typeof v.then === "function" ? v.then(restore, () => {}) : (restore(v), null);
  Promise.all([shared(), restored]).then(([s]) => {
    if (!s) return;
    // A link that cannot be used is said once, at the first cell.
    const first = cell === mounted.values().next().value;
    if (s.error || !mounted.has(s.cell)) {
      if (!first) return;
      notice.textContent = s.error
        ? t("keep.bad-link", { err: s.error.message })
        : t("keep.no-such-cell", { cell: s.cell });
      notice.hidden = false;
      return;
    }
    if (s.cell !== id) return;
    apply({ code: s.code, args: s.args });
    setPreset(s.stdin);
    save();
    cell.scrollIntoView({ block: "start" });
  });

  return {
    stdin: () => preset,
    changed,
  };
}
