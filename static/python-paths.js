// Where python-worker.js finds Pyodide and the lab's socket module. The gateway serves a
// file of its own in place of this one (gateway/pyodide.go), with the runtime's versioned
// path; this one is what a page gets where nothing has written it.
export const runtime = "";
// missing says why the runtime is not there ("not-built", "not-served"), or is "".
export const missing = "not-served";
