// Exercises: the checks under a cell, and the learner's progress.
//
// A lesson page has <section class="exercise" data-cell="ID"> panels whose
// <li class="check" data-check="{json}"> items are checks parsed on the
// server (lessons/check.go). When the cell finishes a run, lesson.js
// dispatches "socketlab:run-finished" on the cell with {output, stdout,
// stderr, exit, events}; every panel of that cell then evaluates its checks
// on the run and marks each one passed or failed, saying what it saw
// instead. Passing every check of an exercise records it in localStorage
// ("socketlab.progress"), and the index page shows each lesson's progress
// from there. Nothing leaves the browser.
//
// evaluate() is the same check language as lessons.Check.Eval in Go; the
// cases in test/check_cases.json keep the two in step (node --test
// static/test/exercises.test.js and go test ./lessons). Under node this file
// is a CommonJS module and touches no DOM.
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.socketlabExercises = api;
    if (typeof document !== "undefined") api.setupPage(document);
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const STORE_KEY = "socketlab.progress";

  function quote(s) {
    return JSON.stringify(String(s));
  }

  function plural(n, one, many) {
    return n === 1 ? `1 ${one}` : `${n} ${many}`;
  }

  function compare(n, cmp, want) {
    if (cmp === "at least") return n >= want;
    if (cmp === "at most") return n <= want;
    return n === want;
  }

  // samePeer: the same address text, or for localhost:PORT the loopback address with that port.
  function samePeer(addr, want) {
    if (!addr) return false;
    if (addr === want) return true;
    if (!want || !want.startsWith("localhost:")) return false;
    const port = want.slice("localhost:".length);
    return addr === "127.0.0.1:" + port || addr === "[::1]:" + port;
  }

  function dirKinds(dir, unit) {
    if (dir === "sent") return unit === "datagrams" ? ["sendto"] : ["send", "sendto"];
    return unit === "datagrams" ? ["recvfrom"] : ["recv", "recvfrom"];
  }

  // bytesOf decodes an event's base64 data into a string of byte values
  // (one character per byte), so that searching works on raw bytes.
  function bytesOf(ev) {
    if (!ev.data) return "";
    if (typeof atob === "function") return atob(ev.data);
    return Buffer.from(ev.data, "base64").toString("latin1");
  }

  // utf8Bytes turns text into the same one-character-per-byte form.
  function utf8Bytes(s) {
    return Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join("");
  }

  // evaluate judges one check against one run: {output, exit, events}.
  // exit is null when the program was stopped. Returns {ok, detail}.
  function evaluate(c, run) {
    const output = String(run.output || "");
    const events = Array.isArray(run.events) ? run.events : [];
    const n = c.n || 0;
    const pass = { ok: true, detail: "" };
    const fail = (detail) => ({ ok: false, detail });
    // An event is to or from the peer when its own address is the peer's, or when it belongs
    // to a TCP stream dialed to the peer.
    const dialed = new Set();
    for (const e of events) {
      if ((e.kind === "dial" || e.kind === "connected") && (samePeer(e.addr, c.peer) || samePeer(e.remote, c.peer))) {
        dialed.add(e.stream);
      }
    }
    const matchPeer = (e) => !c.peer || samePeer(e.addr, c.peer) || samePeer(e.remote, c.peer) || dialed.has(e.stream);
    const where = () => (!c.peer ? "in all" : c.dir === "sent" ? `to ${c.peer}` : `from ${c.peer}`);

    switch (c.op) {
      case "output-contains":
        return output.includes(c.str || "") ? pass : fail(`the output does not contain ${quote(c.str || "")}`);
      case "output-lacks":
        return !output.includes(c.str || "") ? pass : fail(`the output contains ${quote(c.str || "")}`);
      case "output-matches": {
        let re;
        try {
          re = new RegExp(c.str || "", "m");
        } catch (err) {
          return fail(`bad regular expression: ${err.message}`);
        }
        return re.test(output) ? pass : fail(`nothing in the output matches ${quote(c.str || "")}`);
      }
      case "exit":
        if (run.exit === null || run.exit === undefined) {
          // Only the page knows the "error" state: the program crashed or could not start.
          if (run.state === "error") return fail("the program failed before it could exit: the console says why");
          return fail("the program did not exit: it was stopped");
        }
        return run.exit === n ? pass : fail(`the program exited with status ${run.exit}`);
      case "count": {
        const kinds = dirKinds(c.dir, c.unit);
        let total = 0;
        for (const e of events) {
          if (kinds.includes(e.kind) && matchPeer(e)) total += c.unit === "bytes" ? (e.n || 0) : 1;
        }
        if (compare(total, c.cmp, n)) return pass;
        const one = c.unit === "bytes" ? "byte" : "datagram";
        return fail(`${c.dir} ${plural(total, one, c.unit)} ${where()}`);
      }
      case "data": {
        const kinds = dirKinds(c.dir, "bytes");
        const data = new Map();
        for (const e of events) {
          if (kinds.includes(e.kind) && matchPeer(e)) data.set(e.stream, (data.get(e.stream) || "") + bytesOf(e));
        }
        const want = utf8Bytes(c.str || "");
        for (const got of data.values()) if (got.includes(want)) return pass;
        if (data.size === 0) return fail(`no bytes were ${c.dir} ${where()}`);
        return fail(`the bytes ${c.dir} ${where()} do not contain ${quote(c.str || "")}`);
      }
      case "order": {
        const streams = [];
        const tcp = new Set();
        const peer = new Set();
        for (const e of events) {
          if ((e.kind === "connected" || e.kind === "accept") && !tcp.has(e.stream)) {
            tcp.add(e.stream);
            streams.push(e.stream);
          }
          if (matchPeer(e)) peer.add(e.stream);
        }
        const to = c.peer ? ` to ${c.peer}` : "";
        let first = "";
        for (const s of streams) {
          if (!peer.has(s)) continue;
          let a = -1;
          let b = -1;
          events.forEach((e, i) => {
            if (e.stream !== s) return;
            if (e.kind === c.first && a < 0) a = i;
            if (e.kind === c.then && b < 0) b = i;
          });
          if (a >= 0 && b >= 0 && a < b) return pass;
          if (!first) {
            if (a < 0) first = `there was no ${c.first} on the stream${to}`;
            else if (b < 0) first = `there was no ${c.then} on the stream${to}`;
            else first = `the first ${c.then} came before the first ${c.first} on the stream${to}`;
          }
        }
        return fail(first || `no TCP stream${to} was seen`);
      }
      case "accepted": {
        const total = events.filter((e) => e.kind === "accept").length;
        return compare(total, c.cmp, n) ? pass : fail(`accepted ${plural(total, "connection", "connections")}`);
      }
      case "concurrent": {
        const accepted = new Set();
        const answered = new Set();
        let active = 0;
        let most = 0;
        for (const e of events) {
          if (e.kind === "accept") {
            accepted.add(e.stream);
          } else if (e.kind === "send") {
            if (accepted.has(e.stream) && !answered.has(e.stream)) {
              answered.add(e.stream);
              active++;
              most = Math.max(most, active);
            }
          } else if (e.kind === "close" || e.kind === "reset" || e.kind === "reset-sent") {
            if (answered.has(e.stream) && accepted.has(e.stream)) {
              accepted.delete(e.stream);
              active--;
            }
          }
        }
        if (most >= n) return pass;
        if (most === 0) return fail("no accepted connection was answered");
        if (most === 1) return fail("at most 1 connection was answered at a time");
        return fail(`at most ${most} connections were answered at once`);
      }
      case "listened": {
        const seen = [];
        for (const e of events) {
          if (e.kind === "listen") {
            const local = e.local || "";
            if (local.slice(local.lastIndexOf(":") + 1) === String(n)) return pass;
            seen.push(local);
          } else if (e.kind === "error" && e.addr === "listen") {
            return fail(`listening failed: ${e.error || e.code || ""}`);
          }
        }
        return fail(seen.length ? `the program listened on ${seen.join(", ")}` : "the program did not listen");
      }
      case "connected":
      case "refused": {
        let failure = "";
        for (const e of events) {
          if (!matchPeer(e)) continue;
          if (c.op === "connected" && e.kind === "connected") return pass;
          if (e.kind === "error") {
            if (c.op === "refused" && e.code === "connection refused") return pass;
            if (!failure) failure = e.code || e.error || "";
          }
        }
        if (c.op === "connected") {
          return fail(failure ? `the connection to ${c.peer} failed: ${failure}` : `no connection to ${c.peer} was made`);
        }
        return fail(failure ? `the connection to ${c.peer} failed otherwise: ${failure}` : `no connection to ${c.peer} was refused`);
      }
    }
    return fail(`unknown check ${quote(c.op)}`);
  }

  // Progress: {slug: [exercise names passed]} in localStorage.
  function loadProgress(storage) {
    try {
      const p = JSON.parse(storage.getItem(STORE_KEY) || "{}");
      return p && typeof p === "object" && !Array.isArray(p) ? p : {};
    } catch (e) {
      return {};
    }
  }

  function markDone(storage, lesson, name) {
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
  function summary(names, done) {
    if (names.length === 0) return { state: "none", text: "" };
    const n = names.filter((x) => done.includes(x)).length;
    if (n === names.length) return { state: "done", text: "\u2713 done" };
    if (n === 0) return { state: "todo", text: `${plural(names.length, "exercise", "exercises")} to do` };
    return { state: "partial", text: `${n} of ${names.length} exercises done` };
  }

  function storage() {
    try {
      return self.localStorage;
    } catch (e) {
      return null;
    }
  }

  function setupPanel(panel, store) {
    const items = Array.from(panel.querySelectorAll("li.check"));
    const checks = items.map((li) => {
      try {
        return JSON.parse(li.dataset.check);
      } catch (e) {
        return { op: "broken" };
      }
    });
    const status = panel.querySelector(".exercise-status");
    const lesson = panel.dataset.lesson;
    const name = panel.dataset.exercise;
    const cell = document.getElementById("cell-" + panel.dataset.cell);

    if (store && (loadProgress(store)[lesson] || []).includes(name)) {
      panel.dataset.state = "done-before";
      status.textContent = "You passed this exercise before. Run the cell again to check it anew.";
    }
    if (!cell) {
      status.textContent = "This exercise's cell is missing from the page.";
      return;
    }
    cell.addEventListener("socketlab:run-finished", (e) => {
      const run = e.detail || {};
      let passed = 0;
      checks.forEach((c, i) => {
        const r = evaluate(c, run);
        const li = items[i];
        li.classList.toggle("pass", r.ok);
        li.classList.toggle("fail", !r.ok);
        li.querySelector(".mark").textContent = r.ok ? "\u2713" : "\u2717";
        li.querySelector(".detail").textContent = r.ok ? "passed" : `not yet: ${r.detail}`;
        if (r.ok) passed++;
      });
      if (passed === checks.length) {
        panel.dataset.state = "passed";
        status.textContent = `All ${plural(checks.length, "check", "checks")} passed: exercise done.`;
        if (store) markDone(store, lesson, name);
      } else {
        panel.dataset.state = "failed";
        status.textContent = `${passed} of ${plural(checks.length, "check", "checks")} passed. The ones marked \u2717 say what the run did instead.`;
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

  function setupPage(doc) {
    const store = storage();
    for (const panel of doc.querySelectorAll("section.exercise")) setupPanel(panel, store);
    setupIndex(doc, store);
  }

  return { evaluate, summary, loadProgress, markDone, setupPage, STORE_KEY };
});
