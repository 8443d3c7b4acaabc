// Python's syntax errors, read from the text CPython prints for them, so that a Python cell's
// editor can underline them as a Go cell's compile errors are. The text has this shape (3.11
// to 3.14; a traceback of the code that compiled the program may come first):
//
//     Traceback (most recent call last):          (only when raised through exec or compile)
//       File "<exec>", line 2, in <module>
//       File "main.py", line 5
//         print("hi" name)
//               ^^^^^^^^^
//     SyntaxError: invalid syntax. Perhaps you forgot a comma?
//
// The source line is printed without its indentation, after four spaces, and the carets stand
// under the columns of the error (one caret, or a range). An IndentationError or TabError may
// have no caret line: then the whole line is meant.
//
// No dependency: static/editor.js uses it, and node tests it (static/test/pyerrors.test.js)
// on the output of real Python interpreters (static/test/python_errors.json).

const errorLine = /^(SyntaxError|IndentationError|TabError|_IncompleteInputError)(?::\s?(.*))?$/;
const fileLine = /^\s*File "(.*)", line (\d+)(?:, in .*)?$/;
const caretLine = /^\s*[\^~]+\s*$/;

// charAtColumn turns a column of the printed line (0-based) into an index of its characters
// (code points): Python 3.13 draws one caret per character. 3.11 and 3.12 draw the carets of a
// line with characters beyond ASCII one per byte, which makes the range longer; it stops at the
// end of the line.
function charAtColumn(text, column) {
  return Math.min(Math.max(column, 0), Array.from(text).length);
}

// parsePythonError reads the last syntax error in text (what a Python program printed to its
// standard error) and returns {file, line, col, endCol, msg} or null. line is 1-based; col and
// endCol are 1-based character columns of the line (endCol just past the error), or 0 when
// Python showed no column. With source (the program), columns count the line's indentation;
// without it, they count from the first character that is not white space.
export function parsePythonError(text, source) {
  // eslint-disable-next-line no-control-regex
  const lines = String(text || "").replace(/\x1b\[[0-9;]*m/g, "").split(/\r?\n/);
  let at = -1;
  let m = null;
  for (let i = lines.length - 1; i >= 0 && at < 0; i--) {
    m = errorLine.exec(lines[i]);
    if (m) at = i;
  }
  if (at < 0) return null;
  const msg = m[2] ? `${m[1]}: ${m[2]}` : m[1];
  // Above the error: at most a caret line, the source line and the File line.
  let caret = null;
  let printed = null;
  let file = null;
  for (let i = at - 1; i >= Math.max(0, at - 3) && !file; i--) {
    const f = fileLine.exec(lines[i]);
    if (f) file = { name: f[1], line: Number(f[2]) };
    else if (caretLine.test(lines[i]) && caret === null && printed === null) caret = lines[i];
    else if (printed === null) printed = lines[i];
    else break;
  }
  if (!file) return null;
  const d = { file: file.name, line: file.line, col: 0, endCol: 0, msg };
  if (caret === null || printed === null) return d;
  const indent = printed.length - printed.trimStart().length;
  const shown = printed.slice(indent);
  const first = caret.search(/[\^~]/);
  const last = caret.trimEnd().length;
  const from = charAtColumn(shown, first - indent);
  const to = Math.max(charAtColumn(shown, last - indent), from + 1);
  let lead = 0;
  if (typeof source === "string") {
    const real = source.split(/\r?\n/)[d.line - 1];
    if (real !== undefined) lead = Array.from(real).length - Array.from(real.trimStart()).length;
  }
  d.col = lead + from + 1;
  d.endCol = lead + to + 1;
  return d;
}
