// files.js lists, under a cell's console, the files a run wrote (worker-fs.js tells the page
// each one when the program closes it) with a link to download each. A run starts with no
// files: each run in the page has a file system of its own, as `socketlab run` gives each
// run a fresh working directory.
//
// makeFiles(after) puts the list after the element `after` and returns
//   reset()             a new run starts: no files
//   set(path, data)     the run wrote path (a Uint8Array)
//   remove(path)        the run removed path
//   full(bytes, files)  a write failed for want of room; returns the words for the console
import { sizeText } from "./wire-model.js";
import { t } from "./i18n.js";

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// baseName is what a download is saved as: the last part of the path.
function baseName(path) {
  const parts = String(path).split("/").filter(Boolean);
  return parts.length ? parts[parts.length - 1] : "file";
}

export function makeFiles(after) {
  const box = el("div", "files");
  box.hidden = true;
  const head = el("div", "head");
  const list = el("ul", "list");
  list.setAttribute("aria-label", t("files.label"));
  box.append(head, list);
  after.after(box);
  const items = new Map(); // path → {li, url}

  function draw() {
    box.hidden = items.size === 0;
    const n = items.size;
    head.textContent = n === 1 ? t("files.one") : t("files.many", { n });
    box.dataset.count = String(n);
  }

  function drop(path) {
    const it = items.get(path);
    if (!it) return;
    URL.revokeObjectURL(it.url);
    it.li.remove();
    items.delete(path);
  }

  function reset() {
    for (const path of Array.from(items.keys())) drop(path);
    draw();
  }

  function set(path, data) {
    path = String(path || "");
    if (!path || !(data instanceof Uint8Array)) return;
    const had = items.get(path);
    const url = URL.createObjectURL(new Blob([data], { type: "application/octet-stream" }));
    const li = el("li", "file");
    li.dataset.path = path;
    li.dataset.size = String(data.length);
    const a = el("a", "name", path);
    a.href = url;
    a.download = baseName(path);
    a.title = t("files.download", { path, size: sizeText(data.length) });
    li.append(a, el("span", "size", sizeText(data.length)));
    if (had) {
      URL.revokeObjectURL(had.url);
      had.li.replaceWith(li);
    } else {
      list.appendChild(li);
    }
    items.set(path, { li, url });
    draw();
  }

  function remove(path) {
    drop(String(path || ""));
    draw();
  }

  function full(bytes, files) {
    return t("files.full", { size: sizeText(bytes), files });
  }

  draw();
  return { reset, set, remove, full };
}
