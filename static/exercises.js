// Exercises: the checks under a cell, and the learner's progress.
//
// A lesson page has <section class="exercise" data-cell="ID"> panels whose
// <li class="check" data-check="{json}"> items are checks parsed on the
// server (lessons/grade). Each item says in plain words what its check wants
// (.check-says) and keeps the exact check line, with its pattern if it has one,
// behind a <details class="check-how">; a verdict goes in its .detail, in
// words too (verdict). When the cell finishes a run, lesson.js
// dispatches "socketlab:run-finished" on the cell with {output, stdout,
// stderr, exit, state, events}; every panel of that cell then posts the run
// to the gateway (POST /api/check), which judges it with the checks' one
// evaluator, and marks each check passed or failed, saying what the run did
// instead. Passing every check of an exercise records it in localStorage
// ("socketlab.progress"), and the index page shows each lesson's progress
// from there; the progress never leaves the browser.
//
// The page loads this module as an entry point and it sets the page up; under
// node (no document) it touches no DOM.

import { language, t } from "./i18n.js";
export const STORE_KEY = "socketlab.progress";

// CHECK_URL judges runs with the gateway's evaluator (lessons/grade), the only one.
export const CHECK_URL = "/api/check";

// grade asks the gateway for the verdict of each of an exercise's checks on one run:
// {output, exit, state, events}, exit null when the program was stopped or failed.
// Resolves to [{ok, detail}], one per check in the lesson's order; rejects with an
// Error that says what went wrong. fetchFn defaults to fetch.
export async function grade(lesson, exercise, run, fetchFn) {
  const body = JSON.stringify({
    lesson,
    exercise,
    output: String(run.output || ""),
    exit: run.exit === undefined ? null : run.exit,
    state: run.state || "",
    events: Array.isArray(run.events) ? run.events : [],
  });
  const resp = await (fetchFn || fetch)(language() === "en" ? CHECK_URL : `${CHECK_URL}?lang=${language()}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
  });
  let answer = null;
  try {
    answer = await resp.json();
  } catch (e) {
    // Not JSON: say the status below.
  }
  if (!resp.ok || !answer || !Array.isArray(answer.results)) {
    throw new Error((answer && answer.error) || t("ex.gateway-answered", { status: resp.status }));
  }
  return answer.results;
}

// verdict words the gateway's answer for one check, r = {ok, detail}, for its line: the mark
// and "passed", or "not yet:" and what the run did instead. The exact check stays behind its
// details element either way: the words are what a learner reads first.
export function verdict(r) {
  if (!r || typeof r !== "object") {
    return { ok: false, mark: "\u2717", text: t("ex.not-yet", { detail: t("ex.not-judged") }) };
  }
  if (r.ok === true) return { ok: true, mark: "\u2713", text: t("ex.passed") };
  const detail = typeof r.detail === "string" && r.detail.trim() ? r.detail.trim() : t("ex.not-wanted");
  return { ok: false, mark: "\u2717", text: t("ex.not-yet", { detail }) };
}

// Progress: {slug: [exercise names passed]} in localStorage.
export function loadProgress(storage) {
  try {
    const p = JSON.parse(storage.getItem(STORE_KEY) || "{}");
    return p && typeof p === "object" && !Array.isArray(p) ? p : {};
  } catch (e) {
    return {};
  }
}

export function markDone(storage, lesson, name) {
  const p = loadProgress(storage);
  const done = Array.isArray(p[lesson]) ? p[lesson] : [];
  if (!done.includes(name)) done.push(name);
  p[lesson] = done;
  try {
    storage.setItem(STORE_KEY, JSON.stringify(p));
  } catch (e) {
    // No storage: progress lasts as long as the page.
  }
}

// summary words a lesson's progress for the index page.
export function summary(names, done) {
  if (names.length === 0) return { state: "none", text: "" };
  const n = names.filter((x) => done.includes(x)).length;
  if (n === names.length) return { state: "done", text: t("ex.done") };
  if (n === 0) return { state: "todo", text: t(names.length === 1 ? "ex.todo-one" : "ex.todo", { n: names.length }) };
  return { state: "partial", text: t("ex.partial", { n, of: names.length }) };
}

function storage() {
  try {
    return globalThis.localStorage;
  } catch (e) {
    return null;
  }
}

function setupPanel(panel, store) {
  const items = Array.from(panel.querySelectorAll("li.check"));
  const status = panel.querySelector(".exercise-status");
  const lesson = panel.dataset.lesson;
  const name = panel.dataset.exercise;
  const cell = document.getElementById("cell-" + panel.dataset.cell);

  if (store && (loadProgress(store)[lesson] || []).includes(name)) {
    panel.dataset.state = "done-before";
    status.textContent = t("ex.passed-before");
  }
  if (!cell) {
    status.textContent = t("ex.no-cell");
    return;
  }
  let latest = 0; // the run whose verdict the panel waits for; older answers are dropped
  cell.addEventListener("socketlab:run-finished", async (e) => {
    const me = ++latest;
    let results;
    try {
      results = await grade(lesson, name, e.detail || {});
    } catch (err) {
      if (me !== latest) return;
      panel.dataset.state = "failed";
      status.textContent = t("ex.cannot-check", { err: err.message });
      return;
    }
    if (me !== latest) return;
    let passed = 0;
    items.forEach((li, i) => {
      const v = verdict(results[i]);
      li.classList.toggle("pass", v.ok);
      li.classList.toggle("fail", !v.ok);
      li.querySelector(".mark").textContent = v.mark;
      li.querySelector(".detail").textContent = v.text;
      if (v.ok) passed++;
    });
    if (passed === items.length) {
      panel.dataset.state = "passed";
      status.textContent = items.length === 1 ? t("ex.all-passed-one") : t("ex.all-passed", { n: items.length });
      if (store) markDone(store, lesson, name);
    } else {
      panel.dataset.state = "failed";
      status.textContent = t(items.length === 1 ? "ex.some-passed-one" : "ex.some-passed", { passed, n: items.length });
    }
  });
}

function setupIndex(doc, store) {
  const progress = store ? loadProgress(store) : {};
  for (const li of doc.querySelectorAll("li[data-lesson]")) {
    const names = (li.dataset.exercises || "").split(" ").filter(Boolean);
    const s = summary(names, Array.isArray(progress[li.dataset.lesson]) ? progress[li.dataset.lesson] : []);
    li.dataset.progress = s.state;
    const span = li.querySelector(".progress");
    if (span) span.textContent = s.text;
  }
}

export function setupPage(doc) {
  const store = storage();
  for (const panel of doc.querySelectorAll("section.exercise")) setupPanel(panel, store);
  setupIndex(doc, store);
}

if (typeof document !== "undefined") setupPage(document);
