// Python for the editor, a bundle of its own (static/codemirror-python.js) that the page loads
// only when a cell holds Python: it takes CodeMirror's shared parts from static/codemirror.js.
export { python } from "@codemirror/lang-python";
