// The teacher's view of a class (/teacher, gateway/classroom): the roster, the class's
// progress per exercise, a live feed of runs, a learner's last run read-only (code, console
// and the wire view), notes and code cells sent to every learner's page, and the progress as
// CSV.
//
// The page's URL carries the teacher's key in its fragment (/teacher#key=...), which the
// browser never sends; every request to /api/teacher/ carries it in the X-Teacher-Key
// header, and the first answer sets a cookie made from it, which the page's other requests
// carry (the CSV download, the wire view's annotations). The view is kept live by asking
// /api/teacher/view?wait=1, which answers at the class's next change (or after 25 s).
import { attach } from "./wire-view.js";
import { t } from "./i18n.js";

export const KEY_HEADER = "X-Teacher-Key";

// keyFrom reads the teacher's key from a URL fragment: "#key=abc" → "abc".
export function keyFrom(hash) {
  return new URLSearchParams(String(hash || "").replace(/^#/, "")).get("key") || "";
}

// runText words a run for the roster and the feed: "done, exit 0", "compile error: ...".
export function runText(r) {
  if (!r) return t("teacher.no-run");
  const state = String(r.state || "ended");
  let s = Object.hasOwn(STATES, state) ? STATES[state]() : state.replace("-", " ");
  if (typeof r.exit === "number") s += t("teacher.exit", { code: r.exit });
  if (r.error) s += t("teacher.error", { err: r.error });
  return s;
}

// STATES are the words of the states a run ends in (gateway/classroom's Run.State).
const STATES = {
  done: () => t("teacher.state-done"),
  ended: () => t("teacher.state-ended"),
  exited: () => t("teacher.state-exited"),
  "compile-error": () => t("teacher.state-compile-error"),
  error: () => t("teacher.state-error"),
  stopped: () => t("teacher.state-stopped"),
  running: () => t("teacher.state-running"),
};
// cellText names a run's cell for the roster and the feed: "cell client", or "your cell
// (note 3)" for a cell the teacher sent (classroom.js names those "note-SEQ").
export function cellText(cell) {
  const m = /^note-(\d+)$/.exec(String(cell || ""));
  return m ? t("teacher.note-cell", { n: m[1] }) : t("teacher.cell", { cell });
}

// timeText is a clock time for the feed.
export function timeText(at) {
  const d = new Date(at);
  return isNaN(d) ? "" : d.toLocaleTimeString();
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(cls, text, onClick) {
  const b = el("button", cls, text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function setup() {
  const key = keyFrom(location.hash);
  const status = document.querySelector(".teacher-status");
  const roster = document.querySelector("table.roster tbody");
  const progress = document.querySelector("table.progress tbody");
  const feed = document.querySelector("ol.feed");
  const runBox = document.querySelector(".teacher-run");
  const form = document.querySelector("form.note");
  const sent = form.querySelector(".sent");
  if (!key) {
    status.textContent = t("teacher.no-key");
    return;
  }
  const wire = attach(runBox, { stepRun() {}, send() {}, resume() {} });

  async function api(path, body) {
    const opts = { headers: { [KEY_HEADER]: key } };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(path, opts);
    const answer = await resp.json().catch(() => null);
    if (!resp.ok) throw new Error((answer && answer.error) || t("teacher.gateway-answered", { status: resp.status }));
    return answer;
  }

  function act(what, name) {
    const verb = what === "remove" ? t("teacher.confirm-remove", { name }) : null;
    if (verb && !confirm(verb)) return;
    api(`/api/teacher/${what}`, { name }).then(() => refresh(false), (e) => { status.textContent = e.message; });
  }

  async function openRun(name) {
    let answer;
    try {
      answer = await api(`/api/teacher/run?name=${encodeURIComponent(name)}`);
    } catch (e) {
      status.textContent = e.message;
      return;
    }
    const r = answer.run;
    runBox.hidden = false;
    runBox.dataset.name = name;
    runBox.dataset.seq = String(r.seq);
    runBox.querySelector(".who").textContent = name;
    runBox.querySelector(".run-facts").textContent =
      t("teacher.run-facts", { lesson: r.lesson, cell: cellText(r.cell), time: timeText(r.at), run: runText({ state: r.state, exit: r.exit }) }) + (r.truncated ? t("teacher.truncated") : "");
    runBox.querySelector(".run-code").textContent = r.code || "";
    runBox.querySelector(".run-console").textContent = r.compile_error || r.console || "";
    wire.reset(false);
    for (const ev of r.events || []) wire.add(ev);
    wire.end();
    runBox.scrollIntoView({ block: "start" });
  }

  function rosterRow(r) {
    const tr = el("tr");
    tr.dataset.name = r.name;
    tr.dataset.connected = String(r.connected);
    tr.append(el("td", "name", r.name));
    tr.append(el("td", "connected", r.connected ? t("teacher.connected") + (r.programs ? t("teacher.programs", { n: r.programs }) : "") : t("teacher.not-connected")));
    tr.append(el("td", "where", [r.lesson, r.cell].filter(Boolean).join(" · ")));
    const last = el("td", "last", r.last ? t("teacher.last", { time: timeText(r.last.at), run: runText(r.last) }) : t("teacher.no-run"));
    tr.append(last);
    tr.append(el("td", "passed", String(r.passed) + (r.stuck.length ? t("teacher.stuck", { names: r.stuck.join(", ") }) : "")));
    const acts = el("td", "actions");
    if (r.last) acts.append(button("open", t("teacher.open-last"), () => openRun(r.name)), " ");
    acts.append(button("end", t("teacher.end"), () => act("end", r.name)), " ", button("remove", t("teacher.remove"), () => act("remove", r.name)));
    tr.append(acts);
    return tr;
  }

  const join = document.querySelector(".teacher-join");
  function render(v) {
    if (v.join_url && join.querySelector(".join-url").textContent !== v.join_url) {
      join.querySelector(".join-url").textContent = v.join_url;
      join.querySelector(".join-url").href = v.join_url;
      join.querySelector(".join-qr").src = v.join_qr;
      join.hidden = false;
    }
    status.textContent = t("teacher.status", { code: v.code, n: v.roster.length, connected: v.roster.filter((r) => r.connected).length });
    roster.replaceChildren(...v.roster.map(rosterRow));
    progress.replaceChildren(...(v.exercises || []).map((e) => {
      const tr = el("tr");
      tr.dataset.exercise = `${e.lesson}/${e.name}`;
      tr.append(el("td", "", `${e.lesson}: ${e.title}`), el("td", "passed", `${e.passed.length}${e.passed.length ? ": " + e.passed.join(", ") : ""}`),
        el("td", "stuck", e.stuck.join(", ")), el("td", "trying", e.trying.join(", ")));
      return tr;
    }));
    feed.replaceChildren(...v.feed.slice().reverse().map((f) => {
      const li = el("li", "feed-item");
      li.dataset.name = f.name;
      li.dataset.state = f.state;
      li.dataset.cell = f.cell;
      li.append(t("teacher.feed", { time: timeText(f.at), name: f.name, lesson: f.lesson, cell: cellText(f.cell), run: runText(f) }) + " ", button("open", t("teacher.open"), () => openRun(f.name)));
      return li;
    }));
  }

  let failures = 0;
  async function refresh(wait) {
    const v = await api(`/api/teacher/view${wait ? "?wait=1" : ""}`);
    render(v);
  }
  async function loop() {
    let wait = false;
    for (;;) {
      try {
        await refresh(wait);
        failures = 0;
        wait = true;
      } catch (e) {
        failures++;
        status.textContent = t("teacher.retrying", { err: e.message || e });
        wait = false;
        await new Promise((r) => setTimeout(r, Math.min(10000, 1000 * failures)));
      }
    }
  }
  loop();

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = form.elements.text.value;
    const code = form.elements.code.value;
    api("/api/teacher/note", { text, code }).then((n) => {
      sent.textContent = t("teacher.sent-at", { time: timeText(n.at) });
      form.reset();
    }, (err) => { sent.textContent = err.message; });
  });
}

if (typeof document !== "undefined") setup();
