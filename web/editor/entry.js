// The parts of CodeMirror 6 that static/editor.js puts together, re-exported from one module.
// go run ./internal/editorbundle bundles this file (with node_modules, from npm ci) into
// static/codemirror.js; esbuild leaves out whatever nothing here names. Python is a bundle of
// its own (python.js), loaded only by cells that hold Python.
export { EditorState, Compartment, StateEffect, StateField, Prec } from "@codemirror/state";
export {
  EditorView,
  Decoration,
  hoverTooltip,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
  dropCursor,
  rectangularSelection,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export { indentOnInput, indentUnit, bracketMatching, syntaxHighlighting } from "@codemirror/language";
export { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
export { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
export { go } from "@codemirror/lang-go";
export { classHighlighter } from "@lezer/highlight";
