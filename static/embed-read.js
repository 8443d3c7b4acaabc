// embed-read.js: the pure half of embedded cells (embed-main.js): what an author's block
// says (readCell) and whether a finished run did what the block expects (verdict). Checked
// with node --test static/test/.

import { t } from "./i18n.js";

// attribute reads name as data-NAME (a <pre data-socketlab> block) or NAME (a
// <socketlab-cell> element); null when it has neither.
function attribute(el, name) {
  const v = el.getAttribute("data-" + name);
  return v !== null ? v : el.getAttribute(name);
}

// decode turns the escapes a lesson's stdin= knows (\n, \t, \\) into their characters.
export function decode(s) {
  return s.replace(/\\(n|t|\\)/g, (_, c) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));
}

// code is a block's program as the editor shows it: without the newline that follows an
// opening <pre> tag and without trailing blank space.
export function code(text) {
  return text.replace(/^\r?\n/, "").replace(/\s+$/, "");
}

// readCell reads one block (an element, or anything with getAttribute, textContent and
// nextElementSibling) as the n-th cell of the page:
//   {id, code, argsText, faults, stdin (string or null), exit, exitGiven, with, output (string or
//    null), outputBlock (the element the output came from, or null), errors: [...]}
// A bad attribute is reported in errors and left at its default.
export function readCell(el, n) {
  const errors = [];
  let id = attribute(el, "id");
  if (id === null || !/^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(id)) {
    if (id !== null) errors.push(t("embed.bad-id", { id, n }));
    id = String(n);
  }
  const exitText = attribute(el, "exit");
  let exit = 0;
  if (exitText !== null) {
    if (/^\d{1,3}$/.test(exitText.trim()) && Number(exitText) <= 255) exit = Number(exitText);
    else errors.push(t("embed.bad-exit", { exit: exitText }));
  }
  const stdin = attribute(el, "stdin");
  let output = attribute(el, "output");
  let outputBlock = null;
  const next = el.nextElementSibling;
  if (output === null && next && next.getAttribute("data-socketlab-output") !== null) {
    outputBlock = next;
    output = code(next.textContent || "");
  }
  return {
    id,
    code: code(el.textContent || ""),
    argsText: attribute(el, "args") || "",
    faults: (attribute(el, "faults") || "").trim(),
    stdin: stdin === null ? null : decode(stdin),
    exit,
    exitGiven: exitText !== null,
    with: attribute(el, "with"),
    output: output === null ? null : decode(output),
    outputBlock,
    errors,
  };
}

// verdict says how a finished run (cell.js's socketlab:run-finished detail: {state, output,
// exit}) compares with what the cell expects: {text, cls} with cls "ok", "bad" or "" (nothing
// to say: the cell expects nothing, or the run did not exit by itself).
export function verdict(spec, run) {
  if (!run || run.state !== "exited" || (spec.output === null && !spec.exitGiven)) return { text: "", cls: "" };
  const wrong = [];
  if (run.exit !== spec.exit) wrong.push(t("embed.wrong-exit", { exit: run.exit, want: spec.exit }));
  if (spec.output !== null && code(run.output || "") !== code(spec.output)) wrong.push(t("embed.wrong-output"));
  if (wrong.length > 0) return { text: t("embed.not-as-expected", { why: wrong.join(t("embed.why-sep")) }), cls: "bad" };
  return { text: spec.output !== null ? t("embed.as-expected") : t("embed.as-expected-exit"), cls: "ok" };
}
