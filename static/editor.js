// The editor of a cell: CodeMirror 6 (static/codemirror.js, bundled from npm by
// internal/editorbundle) behind a small interface, so that the rest of the page does not
// depend on CodeMirror.
//
//   const ed = createEditor(textarea, { lang: "go", onRun, onChange, onFormatted });
//   ed.getValue(), ed.setValue(text), ed.markErrors([{line, col, msg}]), ed.clearErrors(),
//   ed.format(), ed.vet(source), ed.focus(), ed.ready (a promise: CodeMirror is in place), ed.view
//   loadCodeMirror(): start loading CodeMirror (until then the cells are text areas)
//   markPythonErrors(cell, consoleText): mark the syntax error a Python run printed
//
// The server renders each cell's code in a <textarea class="code">; the editor takes its place
// on screen and keeps it as a mirror: every edit is written back to the textarea's value, and
// an "input" event on the textarea (a script that sets its value) replaces the editor's text.
// The textarea's defaultValue stays the lesson's code.
//
// What the editor does: Go and Python highlighting (Python loaded only when a cell holds it,
// from static/codemirror-python.js), indentation on Enter and with Tab (tabs for Go, four
// spaces for Python), bracket matching and closing, search (Ctrl/Cmd+F), undo per cell, line
// numbers, Ctrl/Cmd+Enter runs, Shift+Alt+F formats Go (POST /api/format), Escape then Tab
// leaves the editor. Errors (the compiler's, and go vet's once a program built: vet) are
// underlined at their line and column, with their message on hover and in a list under the
// editor; an edit of a line clears that line's errors.
//
// CodeMirror is loaded without holding up the page: until it is there (a moment after the
// page's first paint, or never, if the bundle cannot be loaded), the textarea is the editor,
// and the interface works on it.

import { t } from "./i18n.js";

// CM is CodeMirror once loaded. Nothing is loaded until loadCodeMirror is called (the page
// calls it once its first cell can run, so that the editor does not delay that) or a
// textarea takes the focus; each editor then takes its textarea's place.
let CM = null;
let loading = null;
let loaded; // resolves loadedPromise
const loadedPromise = new Promise((resolve) => { loaded = resolve; });

// loadCodeMirror starts loading CodeMirror, once; it resolves to the module, or to null when
// it cannot be loaded (the cells keep their text areas).
export function loadCodeMirror() {
  if (!loading) {
    loading = import("./codemirror.js").then((m) => { CM = m; return m; }, (err) => {
      if (typeof document !== "undefined") console.warn(`socketlab: the editor could not be loaded, cells keep a plain text area: ${err}`);
      return null;
    });
    loading.then(loaded);
  }
  return loading;
}

// FORMAT_URL formats Go source on the gateway: {source} → {ok, source} or {ok: false,
// diagnostics}.
export const FORMAT_URL = "/api/format";

// charColumn turns a column counted in characters (code points, 1-based), as Python counts,
// into an offset in a line of JavaScript text (UTF-16 code units).
export function charColumn(text, col) {
  let i = 0;
  for (let n = 1; n < col && i < text.length; n++) i += text.codePointAt(i) >= 0x10000 ? 2 : 1;
  return Math.min(i, text.length);
}

// byteColumn turns a Go column (1-based, counted in UTF-8 bytes) into an offset in a line of
// JavaScript text (UTF-16 code units).
export function byteColumn(text, col) {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < col - 1) {
    const c = text.codePointAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    i += c >= 0x10000 ? 2 : 1;
  }
  return i;
}

// keepCursor finds where a cursor at pos in before belongs in after, when after is before
// with its white space changed (what gofmt mostly does): after as many characters that are
// not white space.
export function keepCursor(before, after, pos) {
  if (pos >= before.length) return after.length;
  let n = 0;
  for (let i = 0; i < pos && i < before.length; i++) if (!/\s/.test(before[i])) n++;
  let i = 0;
  for (; i < after.length && n > 0; i++) if (!/\s/.test(after[i])) n--;
  // Stay on the same side of the white space that followed the cursor's text.
  while (i < after.length && pos < before.length && /\s/.test(after[i]) && /[ \t]/.test(before[pos]) && after[i] !== "\n") i++;
  return Math.min(i, after.length);
}

// parts builds, once CodeMirror is loaded, what every editor shares.
let shared = null;
function parts() {
  if (shared) return shared;
  // The errors shown in an editor: [{from, to, msg}], mapped through edits; an edit that
  // touches an error's line drops it.
  const setErrors = CM.StateEffect.define();
  const errorField = CM.StateField.define({
    create: () => [],
    update(list, tr) {
      for (const e of tr.effects) if (e.is(setErrors)) return e.value;
      if (!tr.docChanged || list.length === 0) return list;
      const out = [];
      for (const d of list) {
        const line = tr.startState.doc.lineAt(d.from);
        if (tr.changes.touchesRange(line.from, line.to)) continue;
        out.push({ ...d, from: tr.changes.mapPos(d.from, 1), to: tr.changes.mapPos(d.to, -1) });
      }
      return out;
    },
    provide: (field) => CM.EditorView.decorations.from(field, (list) => {
      const ranges = [];
      for (const d of list) {
        ranges.push(CM.Decoration.line({ class: "cm-error-line" }).range(d.lineFrom ?? d.from));
        if (d.to > d.from) ranges.push(CM.Decoration.mark({ class: "cm-error" }).range(d.from, d.to));
      }
      return CM.Decoration.set(ranges, true);
    }),
  });

  // errorTooltip shows the messages of the errors under the pointer.
  const errorTooltip = CM.hoverTooltip((view, pos) => {
    const hits = view.state.field(errorField).filter((d) => {
      const line = view.state.doc.lineAt(d.from);
      return d.to > d.from ? pos >= d.from && pos <= d.to : pos >= line.from && pos <= line.to;
    });
    if (hits.length === 0) return null;
    return {
      pos: Math.min(...hits.map((d) => d.from)),
      end: Math.max(...hits.map((d) => d.to)),
      above: true,
      create() {
        const dom = document.createElement("div");
        dom.className = "cm-error-tooltip";
        for (const d of hits) {
          const p = document.createElement("div");
          p.textContent = d.msg;
          dom.appendChild(p);
        }
        return { dom };
      },
    };
  }, { hoverTime: 200 });

  // The page's highlighting: classes (tok-keyword, tok-string, ...) that static/style.css
  // colours, the same colours as the server's highlighting of read-only code.
  const languages = {
    go: () => Promise.resolve([CM.go(), CM.indentUnit.of("\t")]),
    python: () => import("./codemirror-python.js").then((py) => [py.python(), CM.indentUnit.of("    ")]),
  };

  function theme() {
    return CM.EditorView.theme({
      "&": { fontSize: "var(--code-size)" },
      ".cm-content": { fontFamily: "var(--mono)", lineHeight: "var(--code-line)" },
      ".cm-gutters": { fontFamily: "var(--mono)" },
    });
  }
  shared = { setErrors, errorField, errorTooltip, languages, theme };
  return shared;
}

// createEditor puts an editor in place of textarea and returns its interface; until
// CodeMirror has loaded (ed.ready), the interface works on the textarea itself.
//   lang         "go" (the default) or "python"
//   onRun        Ctrl/Cmd+Enter
//   onChange     after each edit in the editor, with the text
//   formatURL    where Format posts the code (FORMAT_URL when not given)
//   vetURL       where vet posts the code (VET_URL when not given)
//   onFormatted  after Format, with {ok, error} (error: what to tell the learner)
export function createEditor(textarea, opts = {}) {
  const lang = opts.lang === "python" ? "python" : "go";
  const list = document.createElement("ul");
  list.className = "diagnostics";
  list.hidden = true;
  list.setAttribute("aria-label", t("ed.errors"));
  (textarea.closest(".editor") || textarea).after(list);
  let view = null;
  let pending = []; // errors marked before the editor was there
  let formatting = null;

  // Until CodeMirror is there, the textarea is as tall as its text (up to 40 lines) and
  // answers the same keys.
  textarea.rows = Math.min(Math.max(textarea.value.split("\n").length, 3), 40);
  const early = (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (opts.onRun) opts.onRun();
    } else if ((e.code === "KeyF" || e.key.toLowerCase() === "f") && e.shiftKey && e.altKey) {
      e.preventDefault();
      api.format();
    }
  };
  textarea.addEventListener("keydown", early);
  textarea.addEventListener("focus", loadCodeMirror, { once: true });

  // A script that sets the textarea's value and says so with an input event edits the cell.
  textarea.addEventListener("input", () => {
    if (view && textarea.value !== view.state.doc.toString()) api.setValue(textarea.value);
  });

  // renderList lists errors under the editor: {line, col, msg, from?}.
  function renderList(errs) {
    list.textContent = "";
    list.hidden = errs.length === 0;
    for (const d of errs) {
      const li = document.createElement("li");
      const at = document.createElement("button");
      at.type = "button";
      at.className = "at";
      at.textContent = `${d.line}:${d.col}`;
      at.title = t("ed.go-to-line");
      at.addEventListener("click", () => {
        if (!view) return textarea.focus();
        view.dispatch({ selection: { anchor: d.from }, scrollIntoView: true });
        view.focus();
      });
      li.append(at, " ", d.msg);
      list.appendChild(li);
    }
  }

  const api = {
    lang,
    get view() { return view; },
    getValue: () => (view ? view.state.doc.toString() : textarea.value),

    // setValue replaces the text; the cursor goes to cursor when given, else it stays where
    // it is as far as the new text allows. One undo step.
    setValue(text, cursor) {
      if (!view) {
        textarea.value = text;
        if (cursor !== undefined) textarea.setSelectionRange(cursor, cursor);
        return;
      }
      const old = view.state.doc.toString();
      if (text === old) return;
      let from = 0;
      while (from < old.length && from < text.length && old[from] === text[from]) from++;
      let end = 0;
      while (end < old.length - from && end < text.length - from && old[old.length - 1 - end] === text[text.length - 1 - end]) end++;
      const head = cursor ?? Math.min(view.state.selection.main.head, text.length);
      view.dispatch({
        changes: { from, to: old.length - end, insert: text.slice(from, text.length - end) },
        selection: { anchor: Math.min(head, text.length) },
      });
    },

    // markErrors underlines each {line, col, msg} (1-based; col counts bytes, as Go does, or
    // characters with chars: true, as Python does; 0: the whole line; endCol, when given, just
    // past the error's end, else the word at col) and lists them under the editor. It replaces
    // the errors shown before.
    markErrors(diags) {
      const valid = (diags || []).filter((d) => d && d.line >= 1)
        .map((d) => ({ line: d.line, col: d.col || 0, endCol: d.endCol || 0, chars: !!d.chars, msg: String(d.msg ?? d.message ?? "") }));
      if (!view) {
        pending = valid;
        renderList(valid);
        return;
      }
      const doc = view.state.doc;
      const errs = [];
      for (const d of valid) {
        const line = doc.line(Math.min(d.line, doc.lines));
        let from = line.from;
        let to = line.to;
        if (d.col >= 1) {
          const column = d.chars ? charColumn : byteColumn;
          from = line.from + column(line.text, d.col);
          const word = view.state.wordAt(from);
          to = word && word.from === from ? word.to : Math.min(from + 1, line.to);
          if (d.endCol > d.col) to = Math.max(Math.min(line.from + column(line.text, d.endCol), line.to), from + 1);
          to = Math.min(to, line.to);
          if (to <= from && from > line.from) from = to - 1; // at the end of the line: its last character
        }
        errs.push({ ...d, from, to, lineFrom: line.from });
      }
      view.dispatch({ effects: parts().setErrors.of(errs) });
    },

    clearErrors() {
      pending = [];
      if (!view) renderList([]);
      else if (view.state.field(parts().errorField).length) view.dispatch({ effects: parts().setErrors.of([]) });
    },

    // format asks the gateway to format Go source (gofmt) and puts the result in place with
    // the cursor where it was. Resolves to {ok, error}.
    format() {
      if (lang !== "go") return Promise.resolve({ ok: false, error: t("ed.only-go") });
      if (formatting) return formatting;
      const before = api.getValue();
      const head = () => (view ? view.state.selection.main.head : textarea.selectionStart);
      formatting = formatSource(before, undefined, opts.formatURL).then((r) => {
        if (r.ok && api.getValue() === before) {
          api.clearErrors();
          api.setValue(r.source, keepCursor(before, r.source, head()));
        } else if (!r.ok && r.diagnostics) {
          api.markErrors(r.diagnostics);
        }
        return { ok: r.ok, error: r.error };
      }).finally(() => { formatting = null; });
      formatting.then((r) => { if (opts.onFormatted) opts.onFormatted(r); });
      return formatting;
    },

    // vet asks the gateway for go vet's findings in source, a program it has just built
    // (POST /api/vet), and marks them as errors are marked, unless the code has changed
    // meanwhile. Nothing is shown when vet cannot answer (busy, over a budget, no build).
    // Resolves to the findings marked.
    vet(source) {
      if (lang !== "go") return Promise.resolve([]);
      return vetSource(source, undefined, opts.vetURL).then((diags) => {
        const now = api.getValue();
        if (diags.length === 0 || (now !== source && now + "\n" !== source)) return [];
        api.markErrors(diags.map((d) => ({ ...d, msg: "vet: " + d.msg })));
        return diags;
      });
    },

    focus: () => (view ? view.focus() : textarea.focus()),

    // ready resolves when CodeMirror has taken the textarea's place (false if it could not).
    ready: loadedPromise.then((cm) => {
      if (!cm) return false;
      view = mount(textarea, lang, opts, api, renderList);
      textarea.removeEventListener("keydown", early);
      if (pending.length) api.markErrors(pending);
      return true;
    }),
  };
  textarea.socketlabEditor = api;
  return api;
}

// markPythonErrors marks the syntax error a Python cell's run printed (consoleText: its
// console, or its standard error) in the cell's editor, as compile errors are marked, and
// resolves to it ({file, line, col, endCol, msg}), or to null when the text holds none of the
// program's. Call it when a Python cell's run ends; cell.js does, for every Python cell. The
// reader of Python's errors (pyerrors.js) is loaded the first time, so Go pages never load it.
export async function markPythonErrors(cell, consoleText) {
  const ed = cell && cell.querySelector("textarea.code")?.socketlabEditor;
  if (!ed) return null;
  const { parsePythonError } = await import("./pyerrors.js");
  const d = parsePythonError(consoleText, ed.getValue());
  // An error in a file of Python's own library, or of the lab's, is not the learner's to fix.
  if (!d || /(^|\/)(lib\/python[\d.]*|site-packages|socketlab)\//.test(d.file)) return null;
  ed.markErrors([{ line: d.line, col: d.col, endCol: d.endCol, chars: true, msg: d.msg }]);
  return d;
}

let mounted = false; // an editor is in place on the page

// mount puts a CodeMirror view holding textarea's text in its place.
function mount(textarea, lang, opts, api, renderList) {
  const P = parts();
  const language = new CM.Compartment();
  const hadFocus = document.activeElement === textarea;
  const view = new CM.EditorView({
    state: CM.EditorState.create({
      doc: textarea.value,
      selection: { anchor: Math.min(textarea.selectionStart || 0, textarea.value.length) },
      extensions: [
        CM.Prec.highest(CM.keymap.of([
          { key: "Mod-Enter", run: () => { if (opts.onRun) opts.onRun(); return true; } },
          { key: "Shift-Alt-f", run: () => { api.format(); return true; }, preventDefault: true },
        ])),
        CM.lineNumbers(),
        CM.highlightActiveLineGutter(),
        CM.highlightSpecialChars(),
        CM.history(),
        CM.drawSelection(),
        CM.dropCursor(),
        CM.EditorState.allowMultipleSelections.of(true),
        CM.EditorState.tabSize.of(4),
        CM.indentOnInput(),
        CM.syntaxHighlighting(CM.classHighlighter),
        CM.bracketMatching(),
        CM.closeBrackets(),
        CM.rectangularSelection(),
        CM.highlightActiveLine(),
        CM.highlightSelectionMatches(),
        CM.search({ top: true }),
        CM.keymap.of([
          ...CM.closeBracketsKeymap,
          ...CM.defaultKeymap,
          ...CM.searchKeymap,
          ...CM.historyKeymap,
          CM.indentWithTab,
        ]),
        language.of([]),
        P.errorField,
        P.errorTooltip,
        P.theme(),
        CM.EditorView.contentAttributes.of({
          "aria-label": t("ed.code-label", { lang: lang === "python" ? "Python" : "Go" }),
          spellcheck: "false",
          autocorrect: "off",
          autocapitalize: "off",
        }),
        CM.EditorView.updateListener.of((u) => {
          if (u.docChanged) {
            const text = u.state.doc.toString();
            textarea.value = text;
            if (opts.onChange) opts.onChange(text);
          }
          if (u.docChanged || u.transactions.some((t) => t.effects.some((e) => e.is(P.setErrors)))) {
            renderList(u.state.field(P.errorField));
          }
        }),
      ],
    }),
  });
  view.dom.classList.add("code-editor");
  view.dom.socketlabEditor = api; // for scripts and tests that drive the page
  textarea.after(view.dom);
  textarea.hidden = true;
  textarea.tabIndex = -1;
  textarea.closest(".editor")?.classList.add("cm");
  if (hadFocus) view.focus();
  // The first editor in place, for the benchmark (bench/browser.go) and anyone profiling.
  if (!mounted && typeof performance === "object" && performance.mark) performance.mark("socketlab:editor");
  mounted = true;
  P.languages[lang]().then((ext) => view.dispatch({ effects: language.reconfigure(ext) }), (err) => {
    console.warn(`socketlab: ${lang} highlighting could not be loaded: ${err}`);
  });
  return view;
}

// VET_URL answers go vet's findings in a program built before: {source} → {ok, diagnostics}.
export const VET_URL = "/api/vet";

// vetSource posts source to the gateway's vet (at url, VET_URL unless given) and resolves to
// its findings, [{line, col, msg}], or to [] when there is no answer; never rejects.
export async function vetSource(source, fetchFn, url) {
  try {
    const resp = await (fetchFn || fetch)(url || VET_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ source }),
    });
    const body = await resp.json().catch(() => null);
    if (!resp.ok || !body || !body.ok || !Array.isArray(body.diagnostics)) return [];
    return body.diagnostics.filter((d) => d && d.line >= 1);
  } catch (err) {
    return [];
  }
}

// formatSource posts source to the gateway's formatter (at url, FORMAT_URL unless the page's
// gateway is elsewhere, as for an embedded cell). Resolves to {ok, source} or {ok: false,
// error, diagnostics}; never rejects.
export async function formatSource(source, fetchFn, url) {
  let resp;
  let body = null;
  try {
    resp = await (fetchFn || fetch)(url || FORMAT_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ source }),
    });
    body = await resp.json().catch(() => null);
  } catch (err) {
    return { ok: false, error: t("ed.no-gateway", { err: err.message || err }) };
  }
  if (!body || typeof body !== "object") return { ok: false, error: t("ed.answered", { status: resp.status }) };
  if (resp.ok && body.ok && typeof body.source === "string") return { ok: true, source: body.source };
  const diags = Array.isArray(body.diagnostics) ? body.diagnostics : [];
  return { ok: false, diagnostics: diags, error: body.error || (diags.length ? t("ed.no-parse") : t("ed.failed")) };
}
