// The first build's progress: on a fresh machine the first Run waits while Go's standard
// library is compiled for WebAssembly, once. The gateway tells how far it is
// (GET /api/build/progress: {compiling, done, total}); a cell that has been compiling for a
// while asks every second and shows it in its status line.

import { t } from "./i18n.js";

export const PROGRESS_URL = "/api/build/progress";

// progressText is what the status line says for an answer of the gateway, or null when
// nothing more than the program itself is being compiled.
export function progressText(p) {
  if (!p || typeof p !== "object" || p.compiling !== true) return null;
  const done = Number.isInteger(p.done) ? p.done : 0;
  const total = Number.isInteger(p.total) && p.total >= done ? p.total : 0;
  return total > 0 ? t("progress.of", { done, total }) : t("progress.so-far", { done });
}

// watchProgress asks the gateway every `every` ms, after waiting `after` ms, and hands each
// answer's text (null for none) to show. It returns a function that stops it. url is where
// the gateway answers (PROGRESS_URL on its own pages).
export function watchProgress(show, { after = 1500, every = 1000, fetchFn = globalThis.fetch, url = PROGRESS_URL } = {}) {
  let stopped = false;
  let timer = null;
  async function ask() {
    timer = null;
    if (stopped) return;
    let text = null;
    try {
      const resp = await fetchFn(url, { cache: "no-store" });
      if (resp.ok) text = progressText(await resp.json());
    } catch (e) {
      text = null; // the gateway is busy or gone: the build's own answer will say
    }
    if (stopped) return;
    show(text);
    timer = setTimeout(ask, every);
  }
  timer = setTimeout(ask, after);
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}
