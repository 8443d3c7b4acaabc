// "See the wire": what a run said and heard, for the lesson page: the DOM half, over the pure
// wire-model.js.
//
// Per run: a sequence diagram (the program and each peer as lanes, one row per socket event),
// the bytes of every message as a hex and text dump with the gateway's annotations beside
// them, step mode (the program pauses before each socket operation), replay of a finished run
// one event at a time, and export as JSON or pcapng. attach builds the views of one cell;
// nothing here touches the DOM until it is called.
//
// Contracts with other parts (the wire formats are in wire-model.js):
//   page → worker {type:"step"} or {type:"continue"} while a step run is paused.
//   POST /api/annotate and POST /api/export.pcapng with the run's events.
import * as F from "./format.js";
import { language, t } from "./i18n.js";
import {
  DATA_KINDS, LIMITS, Layout, OUT_KINDS, Run, StreamBook, b64len, b64prefix, eventText, exportJSON,
  layoutEvents, markRow, resolveAnnotations, sizeOf, sizeText, stepResult, stepText,
} from "./wire-model.js";

const SVG = "http://www.w3.org/2000/svg";
const ROW = 26;
const HEAD = 44;
const CHAR = 7.3; // width of one character of the diagram's 12px monospace text

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}

function clip(s, chars) {
  chars = Math.max(4, Math.floor(chars));
  return s.length > chars ? s.slice(0, chars - 1) + "\u2026" : s;
}

// scrollWithin scrolls box (not the page) so that node is in view.
function scrollWithin(box, node) {
  const b = box.getBoundingClientRect();
  const n = node.getBoundingClientRect();
  if (b.height === 0) return;
  if (n.top < b.top || n.bottom > b.bottom) {
    box.scrollTop += n.top - b.top - Math.max(8, (b.height - n.height) / 3);
  }
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Diagram draws a Layout into a scrolling box: a sticky header with the lanes and a body
// with one row per item.
function makeDiagram(box, more, onPick) {
  const head = svg("svg", { class: "lanes", role: "presentation" });
  const body = svg("svg", { class: "seq", role: "list", "aria-label": t("wv.diagram") });
  box.append(head, body);
  let layout = null;
  let gap = 400;
  let width = 0;
  let TIME_W = 64; // the time column
  let PAD = 90; // room left and right of the outer lanes
  let measured = 0; // the box's width when the diagram was last laid out
  let drawnLanes = 0;
  let drawnItems = 0;
  let lifelines = null;
  let ghost = null;
  const nodes = new Map(); // event index → row group

  const x = (lane) => TIME_W + PAD + lane * gap;

  // measure fits the lanes to the box: roomy on a wide screen; on a narrow one (a phone) a
  // smaller time column and margins, and lanes as close as their labels allow. Lanes that
  // still do not fit make the box scroll sideways; the page itself never does.
  function measure() {
    const lanes = layout.lanes.length;
    measured = box.clientWidth || 0;
    const avail = measured || 560;
    const narrow = avail < 560;
    TIME_W = narrow ? 46 : 64;
    PAD = narrow ? 50 : 90;
    const least = narrow ? 100 : 210;
    gap = lanes > 1 ? Math.min(560, Math.max(least, (avail - TIME_W - 2 * PAD) / (lanes - 1))) : 0;
    width = lanes > 1 ? TIME_W + 2 * PAD + (lanes - 1) * gap : avail;
  }

  function drawHead() {
    head.textContent = "";
    head.setAttribute("width", width);
    head.setAttribute("height", HEAD);
    head.setAttribute("viewBox", `0 0 ${width} ${HEAD}`);
    head.appendChild(svg("rect", { class: "bg", x: 0, y: 0, width, height: HEAD }));
    const boxW = Math.min(gap || 2 * PAD, 2 * PAD) - 12;
    layout.lanes.forEach((lane, i) => {
      const g = svg("g", { class: i === 0 ? "lane program" : "lane" });
      g.appendChild(svg("rect", { x: x(i) - boxW / 2, y: 4, width: boxW, height: HEAD - 10, rx: 4 }));
      g.appendChild(svg("text", { x: x(i), y: 20, "text-anchor": "middle", class: "name" }, clip(lane.name, boxW / CHAR)));
      g.appendChild(svg("text", { x: x(i), y: 33, "text-anchor": "middle", class: "sub" }, lane.sub || ""));
      g.appendChild(svg("title", {}, lane.name + (lane.sub ? ` (${lane.sub})` : "")));
      head.appendChild(g);
    });
  }

  function drawItem(item) {
    const y0 = item.row * ROW;
    const y = y0 + ROW - 8;
    const g = svg("g", { class: `item ${item.type} ${item.cls}`, role: "listitem" });
    g.setAttribute("data-from", layout.lanes[item.from].name);
    g.setAttribute("data-to", layout.lanes[item.to].name);
    if (item.index >= 0) {
      g.setAttribute("data-event", item.index);
      g.setAttribute("tabindex", "0");
      g.setAttribute("aria-label", item.title);
    }
    g.appendChild(svg("rect", { class: "hit", x: 0, y: y0, width, height: ROW }));
    if (typeof item.t === "number") {
      g.appendChild(svg("text", { class: "time", x: TIME_W - 6, y, "text-anchor": "end" }, F.formatMillis(item.t)));
    }
    const x1 = x(item.from);
    const x2 = x(item.to);
    if (item.type === "note") {
      g.appendChild(svg("circle", { class: "dot", cx: x1, cy: y - 4, r: 3.5 }));
      const room = width - x1 - 14;
      g.appendChild(svg("text", { class: "label", x: x1 + 10, y }, clip(item.label, room / CHAR)));
    } else {
      const dir = x2 > x1 ? 1 : -1;
      const ly = y + 3;
      g.appendChild(svg("line", { class: "shaft", x1, y1: ly, x2: x2 - dir * 7, y2: ly }));
      if (item.type === "arrow") {
        g.appendChild(svg("polygon", { class: "head", points: `${x2},${ly} ${x2 - dir * 9},${ly - 4.5} ${x2 - dir * 9},${ly + 4.5}` }));
      } else {
        const c = x1; // a close: a cross on the program's lane
        g.appendChild(svg("path", { class: "cross", d: `M${c - 5},${ly - 5} L${c + 5},${ly + 5} M${c - 5},${ly + 5} L${c + 5},${ly - 5}` }));
      }
      const room = Math.abs(x2 - x1) - 16;
      g.appendChild(svg("text", { class: "label", x: (x1 + x2) / 2, y: ly - 5, "text-anchor": "middle" }, clip(item.label, room / CHAR)));
    }
    g.appendChild(svg("title", {}, item.title));
    return g;
  }

  function setHeight(rows) {
    const h = Math.max(rows, 1) * ROW + 6;
    body.setAttribute("width", width);
    body.setAttribute("height", h);
    body.setAttribute("viewBox", `0 0 ${width} ${h}`);
    if (lifelines) for (const l of lifelines.children) l.setAttribute("y2", h);
  }

  // draw brings the picture up to date with layout: new items are appended; new lanes
  // redraw everything.
  let pendingNow = null;
  function draw(l, pending) {
    pendingNow = pending;
    if (l !== layout || l.lanes.length !== drawnLanes || Math.abs((box.clientWidth || 0) - measured) > 1) {
      layout = l;
      measure();
      drawHead();
      body.textContent = "";
      nodes.clear();
      lifelines = svg("g", { class: "life" });
      layout.lanes.forEach((_, i) => lifelines.appendChild(svg("line", { x1: x(i), y1: 0, x2: x(i), y2: 0 })));
      body.appendChild(lifelines);
      drawnLanes = layout.lanes.length;
      drawnItems = 0;
      ghost = null;
    }
    if (ghost) {
      ghost.remove();
      ghost = null;
    }
    const frag = document.createDocumentFragment();
    for (; drawnItems < layout.items.length; drawnItems++) {
      const item = layout.items[drawnItems];
      const g = drawItem(item);
      nodes.set(item.index, g);
      frag.appendChild(g);
    }
    body.appendChild(frag);
    let rows = layout.items.length;
    if (pending) {
      ghost = drawItem(layout.preview(pending));
      body.appendChild(ghost);
      rows++;
    }
    setHeight(rows);
    more.textContent = layout.more();
    more.hidden = !more.textContent;
    if (ghost) scrollWithin(box, ghost);
  }

  function node(index) {
    return nodes.get(index) || null;
  }

  function pick(e) {
    const g = e.target.closest && e.target.closest("[data-event]");
    if (g) onPick(Number(g.getAttribute("data-event")));
  }
  // A screen turned or a window resized: lay the lanes out again for the new width.
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => {
      if (layout && box.clientWidth > 0 && Math.abs(box.clientWidth - measured) > 1) draw(layout, pendingNow);
    }).observe(box);
  }
  body.addEventListener("click", pick);
  body.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      pick(e);
    }
  });

  return { draw, node, reset: () => { layout = null; drawnLanes = 0; } };
}

// Bytes view: one block per payload (hex and text side by side, CR and LF visible, the
// annotations beside), a short line for every other socket event, and the byte totals
// in the panel's data-received and data-sent.
function makeBytes(panel, onPick) {
  let blocks = new Map(); // event index → node
  let shown = 0;
  let rowsLeft = LIMITS.autoRows;
  let notes = new Map(); // event index → annotations
  let events = [];

  function reset(evs) {
    panel.textContent = "";
    blocks = new Map();
    shown = 0;
    rowsLeft = LIMITS.autoRows;
    notes = new Map();
    events = evs;
  }

  function totals(received, sent) {
    panel.dataset.received = String(received);
    panel.dataset.sent = String(sent);
  }

  // textPart appends the text column's characters in an element of its own; CR and LF
  // (shown as \u240d and \u240a) get a span that the style sheet draws as a small badge,
  // so that they stay visible whatever fonts the machine has.
  function textPart(pre, tag, text) {
    if (!text) return;
    const part = el(tag, "txt");
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== "\u240d" && c !== "\u240a") continue;
      if (i > from) part.append(text.slice(from, i));
      const ctl = el("span", "ctl", c);
      ctl.dataset.name = c === "\u240d" ? "CR" : "LF";
      part.appendChild(ctl);
      from = i + 1;
    }
    if (from < text.length) part.append(text.slice(from));
    pre.appendChild(part);
  }

  // fillDump writes the first count bytes of event i into pre, with [from, to) marked.
  function fillDump(pre, i, count, from = 0, to = 0) {
    const ev = events[i];
    const bytes = F.base64ToBytes(b64prefix(ev.data || "", count).data).subarray(0, count);
    pre.textContent = "";
    const rows = F.hexRows(bytes);
    rows.forEach((row, r) => {
      const m = to > from ? markRow(row, r * 16, from, to) : null;
      pre.append(el("span", "off", row.offset + "  "));
      if (m) {
        pre.append(m.hex[0], el("mark", "hex", m.hex[1]), m.hex[2] + "  ");
        textPart(pre, "span", m.text[0]);
        textPart(pre, "mark", m.text[1]);
        textPart(pre, "span", m.text[2]);
      } else {
        pre.append(row.hex + "  ");
        textPart(pre, "span", row.text);
      }
      pre.append("\n");
    });
    return rows.length;
  }

  // dataBlock builds the block of payload event i.
  function dataBlock(i, title) {
    const ev = events[i];
    const n = sizeOf(ev);
    const kept = b64len(ev.data);
    const out = OUT_KINDS.has(ev.kind);
    const block = el("div", "block " + (out ? "send" : "recv"));
    block.dataset.event = String(i);
    block.tabIndex = 0;
    const head = el("div", "head");
    head.append(el("span", "time", F.formatMillis(ev.t)), el("span", "what", title));
    block.appendChild(head);
    const body = el("div", "body");
    const pre = el("pre", "dump");
    const side = el("div", "notes");
    side.hidden = true;
    body.append(pre, side);
    block.appendChild(body);
    const foot = el("div", "foot");
    block.appendChild(foot);
    const state = { count: 0, pre, side, foot, head, n, kept };
    block._wire = state;
    let first = Math.min(kept, LIMITS.dumpFirst);
    if (rowsLeft <= 0) first = 0;
    state.count = first;
    rowsLeft -= fillDump(pre, i, first);
    drawFoot(i, block);
    if (n === 0) body.hidden = true;
    return block;
  }

  function drawFoot(i, block) {
    const st = block._wire;
    st.foot.textContent = "";
    st.pre.hidden = st.count === 0;
    if (st.count < st.kept) {
      const more = Math.min(st.kept - st.count, LIMITS.dumpStep);
      const btn = el("button", "more", st.count === 0 ? t("wv.show-bytes", { size: sizeText(more) }) : t("wv.show-more", { size: sizeText(more) }));
      btn.type = "button";
      btn.addEventListener("click", (e) => {
        e.stopPropagation();
        st.count += more;
        fillDump(st.pre, i, st.count);
        drawFoot(i, block);
      });
      st.foot.appendChild(btn);
    }
    if (st.n > st.kept) {
      st.foot.appendChild(el("span", "note",
        t("wv.not-kept", { size: sizeText(st.n - st.kept), prefix: sizeText(LIMITS.prefix) })));
    }
    st.foot.hidden = st.foot.childNodes.length === 0;
  }

  // annotate shows the gateway's notes for event i beside its bytes.
  function showNotes(i, block) {
    const a = notes.get(i);
    const st = block._wire;
    if (!a || !st) return;
    for (const m of a.messages) if (m.summary) st.head.appendChild(el("span", "summary", m.summary));
    st.side.textContent = "";
    for (const n of a.notes) {
      const row = el("div", "ann");
      row.tabIndex = 0;
      const where = n.len > 0 ? `${n.off}\u2013${n.off + n.len - 1}` : `${n.off}`;
      row.append(el("span", "at", where), el("span", "label", n.label));
      if (n.detail) row.append(el("span", "detail", n.detail));
      const on = () => {
        if (st.count > 0) fillDump(st.pre, i, st.count, n.off, n.off + n.len);
        row.classList.add("on");
      };
      const off = () => {
        if (st.count > 0) fillDump(st.pre, i, st.count);
        row.classList.remove("on");
      };
      row.addEventListener("mouseenter", on);
      row.addEventListener("mouseleave", off);
      row.addEventListener("focus", on);
      row.addEventListener("blur", off);
      st.side.appendChild(row);
    }
    st.side.hidden = a.notes.length === 0;
  }

  function add(i, book, pos = null) {
    if (shown >= LIMITS.blocks) {
      if (shown === LIMITS.blocks) {
        panel.appendChild(el("div", "event note", t("wv.later-not-shown")));
      }
      shown++;
      return;
    }
    shown++;
    const ev = events[i];
    let node;
    if (DATA_KINDS.has(ev.kind)) {
      node = dataBlock(i, eventText(ev, book));
    } else {
      node = el("div", "event " + (ev.kind === "error" || ev.kind === "reset" ? "error" : "info"));
      node.dataset.event = String(i);
      node.append(el("span", "time", F.formatMillis(ev.t)), el("span", "what", eventText(ev, book)));
    }
    if (shown > 64) node.classList.add("far"); // see style.css: skipped while out of view
    if (pos !== null && i >= pos) node.hidden = true;
    blocks.set(i, node);
    panel.appendChild(node);
    if (notes.has(i)) showNotes(i, node);
  }

  function annotate(byEvent) {
    notes = byEvent;
    for (const [i, block] of blocks) if (notes.has(i)) showNotes(i, block);
  }

  // upTo hides the events from p on (replay); null shows them all.
  function upTo(p) {
    for (const [i, node] of blocks) node.hidden = p !== null && i >= p;
  }

  function node(i) {
    return blocks.get(i) || null;
  }

  panel.addEventListener("click", (e) => {
    if (e.target.closest("button, .ann")) return;
    const b = e.target.closest("[data-event]");
    if (b) onPick(Number(b.dataset.event));
  });
  panel.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && e.target.matches(".block[data-event]")) {
      e.preventDefault();
      onPick(Number(e.target.dataset.event));
    }
  });

  return { reset, totals, add, annotate, upTo, node };
}

// attach builds the wire views of one cell and returns what lesson.js drives:
//   reset(step)   a new run starts (step: in step mode)
//   add(ev)       a socket event arrived
//   pause(about)  the program paused; returns the text to show
//   stepped(r)    a read the program paused before returned; returns the text to show
//   state(s)      the cell's state changed (keeps Step and Continue right)
//   end()         the run ended: draw the rest, annotate, allow replay and export
// hooks: stepRun() starts a run in step mode, send(msg) posts to the worker, resume() says
// the program goes on after Step or Continue, api(path) the gateway's URL of an API path
// (the path itself by default: the page's own gateway).
export function attach(cell, hooks) {
  const api = hooks.api || ((p) => p);
  const panel = cell.querySelector(".bytes");
  const runBtn = cell.querySelector("button.run");

  const stepBtn = el("button", "step", t("wv.step"));
  stepBtn.type = "button";
  stepBtn.title = t("wv.step-title");
  const contBtn = el("button", "continue", t("wv.continue"));
  contBtn.type = "button";
  contBtn.title = t("wv.continue-title");
  contBtn.hidden = true;
  runBtn.after(" ", stepBtn, " ", contBtn);

  const view = el("div", "wire");
  view.hidden = true;
  const bar = el("div", "wire-bar");
  const btn = (cls, text, label) => {
    const b = el("button", cls, text);
    b.type = "button";
    b.title = label;
    b.setAttribute("aria-label", label);
    return b;
  };
  const firstBtn = btn("first", "|\u25c0", t("wv.first"));
  const backBtn = btn("back", "\u25c0", t("wv.back"));
  const fwdBtn = btn("forward", "\u25b6", t("wv.forward"));
  const lastBtn = btn("last", "\u25b6|", t("wv.last"));
  const pos = el("span", "pos");
  pos.setAttribute("aria-live", "polite");
  const jsonBtn = el("button", "json", "JSON");
  jsonBtn.type = "button";
  jsonBtn.title = t("wv.json-title");
  const pcapBtn = el("button", "pcapng", "pcapng");
  pcapBtn.type = "button";
  pcapBtn.title = t("wv.pcap-title");
  const msg = el("span", "msg");
  msg.setAttribute("role", "status");
  const replay = el("span", "replay");
  replay.append(firstBtn, backBtn, fwdBtn, lastBtn);
  const exporter = el("span", "export");
  exporter.append(el("span", "what", t("wv.download")), jsonBtn, pcapBtn);
  bar.append(replay, exporter, pos, msg);
  // In step mode, what the last read the learner stepped over returned.
  const said = el("div", "stepped");
  said.setAttribute("role", "status");
  said.hidden = true;
  const box = el("div", "diagram");
  const more = el("div", "more");
  more.hidden = true;
  view.append(bar, said, box, more);
  panel.before(view);

  let run = null;
  let frame = 0;
  const diagram = makeDiagram(box, more, (i) => select(i, "diagram"));
  const bytes = makeBytes(panel, (i) => select(i, "bytes"));

  // newRun starts the record of a run; the view adds what it has drawn: layout and laid (the
  // diagram, live), added (the bytes view) and the selected event.
  function newRun(step) {
    return Object.assign(new Run((run ? run.id : 0) + 1, step), {
      layout: new Layout(),
      laid: 0,
      added: 0,
      selected: -1,
    });
  }

  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      flush();
    });
  }

  // flush brings the views up to date with the run; it runs once a frame at most.
  function flush() {
    if (frame) {
      cancelAnimationFrame(frame);
      frame = 0;
    }
    const r = run;
    bytes.totals(r.received, r.sent);
    view.hidden = r.events.length === 0 && !r.paused;
    // A frame draws at most LIMITS.perFrame events, so a run that moves megabytes never
    // holds the page up for long; the rest follows in the next frames.
    const until = Math.min(r.events.length, r.added + LIMITS.perFrame);
    for (; r.added < until; r.added++) bytes.add(r.added, bookTo(r.added), r.pos);
    if (r.pos === null) {
      for (; r.laid < r.added; r.laid++) r.layout.add(r.events[r.laid], r.laid);
      diagram.draw(r.layout, r.paused);
    }
    showPos();
    if (r.selected >= 0) mark(r.selected, true);
    if (r.added < r.events.length) schedule();
  }

  // bookTo gives a StreamBook that has seen events up to i, for naming (kept in step with
  // the bytes view, which adds events in order).
  let book = new StreamBook();
  function bookTo(i) {
    book.note(run.events[i]);
    return book;
  }

  function showPos() {
    const r = run;
    const n = r.events.length;
    const live = !r.ended;
    for (const b of [firstBtn, backBtn, fwdBtn, lastBtn]) b.disabled = live || n === 0;
    jsonBtn.disabled = live || n === 0;
    pcapBtn.disabled = live || n === 0;
    const p = r.shown();
    if (!live) {
      firstBtn.disabled = backBtn.disabled = p === 0;
      fwdBtn.disabled = lastBtn.disabled = p >= n;
    }
    pos.textContent = r.status();
    cell.dataset.replay = r.pos === null ? "" : String(r.pos);
  }

  function mark(i, on) {
    const a = diagram.node(i);
    const b = bytes.node(i);
    if (a) a.classList.toggle("selected", on);
    if (b) b.classList.toggle("selected", on);
  }

  // select picks event i in both views; from says which view was clicked.
  function select(i, from) {
    if (!run || i < 0 || i >= run.events.length) return;
    if (run.selected >= 0) mark(run.selected, false);
    run.selected = i;
    mark(i, true);
    const a = diagram.node(i);
    const b = bytes.node(i);
    if (from !== "diagram" && a) scrollWithin(box, a);
    if (from !== "bytes" && b) scrollWithin(panel, b);
  }

  // seek shows the run up to (not including) event p: replay.
  function seek(p) {
    const r = run;
    if (!r || !r.ended) return;
    p = r.seek(p);
    const l = layoutEvents(r.events, { summaries: r.summaries }, p);
    diagram.draw(l, null);
    bytes.upTo(r.pos);
    if (r.selected >= 0) mark(r.selected, false);
    r.selected = -1;
    if (p > 0) select(p - 1, "replay");
    showPos();
  }

  firstBtn.addEventListener("click", () => seek(0));
  backBtn.addEventListener("click", () => seek(run.shown() - 1));
  fwdBtn.addEventListener("click", () => seek(run.shown() + 1));
  lastBtn.addEventListener("click", () => seek(run.events.length));

  function body() {
    return exportJSON(run.events, run.start);
  }

  jsonBtn.addEventListener("click", () => {
    download(new Blob([body()], { type: "application/json" }), "run.json");
    msg.textContent = t("wv.saved-json");
    msg.className = "msg";
  });

  pcapBtn.addEventListener("click", async () => {
    const me = run.id;
    msg.className = "msg";
    msg.textContent = t("wv.making-pcap");
    pcapBtn.disabled = true;
    let text;
    let failed = true;
    try {
      const resp = await fetch(api("/api/export.pcapng"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: body(),
      });
      if (resp.ok) {
        const blob = await resp.blob();
        if (me !== run.id) return;
        download(new Blob([blob], { type: "application/vnd.tcpdump.pcap" }), "run.pcapng");
        text = t("wv.saved-pcap", { size: sizeText(blob.size) });
        failed = false;
      } else {
        const why = (await resp.text().catch(() => "")).trim().split("\n")[0];
        text = resp.status === 404
          ? t("wv.no-pcap")
          : t("wv.pcap-failed", { status: resp.status }) + (why ? ": " + why : "");
      }
    } catch (err) {
      text = t("wv.pcap-error", { err: err.message || err });
    }
    if (me !== run.id) return;
    pcapBtn.disabled = false;
    msg.textContent = text;
    msg.className = failed ? "msg error" : "msg";
  });

  // annotate asks the gateway what the payloads mean; a gateway without the endpoint (404)
  // leaves the bytes plain.
  async function annotate() {
    const r = run;
    if (!r.events.some((ev) => DATA_KINDS.has(ev.kind))) return;
    let answer;
    try {
      const resp = await fetch(api(language() === "en" ? "/api/annotate" : `/api/annotate?lang=${language()}`), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ events: r.events }),
      });
      if (resp.status === 404) return;
      if (!resp.ok) throw new Error(t("ex.gateway-answered", { status: resp.status }));
      answer = await resp.json();
    } catch (err) {
      if (r !== run) return;
      msg.className = "msg";
      msg.textContent = t("wv.no-annotations", { err: err.message || err });
      return;
    }
    if (r !== run || !answer || !Array.isArray(answer.messages)) return;
    const res = resolveAnnotations(r.events, answer.messages);
    r.summaries = res.summaries;
    bytes.annotate(res.byEvent);
    const p = r.shown();
    // Up to the events laid out so far: a big run may still be drawing, and flush lays
    // out the rest on this layout in the next frames.
    r.layout = layoutEvents(r.events, { summaries: r.summaries }, r.laid);
    diagram.draw(r.pos === null ? r.layout : layoutEvents(r.events, { summaries: r.summaries }, p), null);
    if (r.selected >= 0) mark(r.selected, true);
    cell.dataset.annotated = "true";
  }

  function reset(step) {
    run = newRun(!!step);
    book = new StreamBook();
    bytes.reset(run.events);
    diagram.reset();
    msg.textContent = "";
    said.textContent = "";
    said.hidden = true;
    delete cell.dataset.annotated;
    contBtn.hidden = !run.step;
    flush();
  }

  function add(ev) {
    if (run && run.add(ev)) schedule();
  }

  function pause(about) {
    if (!run) return stepText(about);
    run.paused = about && typeof about === "object" ? about : {};
    schedule();
    return stepText(about);
  }

  // stepped shows what a read the program paused before returned; it returns the words.
  function stepped(result) {
    const text = stepResult(result);
    said.textContent = text;
    said.hidden = false;
    return text;
  }

  function state(s) {
    const paused = s === "paused";
    const busy = s === "compiling" || s === "running";
    stepBtn.disabled = busy;
    stepBtn.title = paused ? t("wv.step-paused-title") : t("wv.step-title");
    contBtn.disabled = !paused;
    if (!busy && !paused) contBtn.hidden = true;
  }

  stepBtn.addEventListener("click", () => {
    if (cell.dataset.state === "paused") {
      run.paused = null;
      hooks.send({ type: "step" });
      hooks.resume();
      schedule();
    } else if (!stepBtn.disabled) {
      hooks.stepRun();
    }
  });
  contBtn.addEventListener("click", () => {
    if (cell.dataset.state !== "paused") return;
    run.paused = null;
    run.step = false;
    contBtn.hidden = true;
    hooks.send({ type: "continue" });
    hooks.resume();
    schedule();
  });

  function end() {
    if (!run || run.ended) return;
    run.ended = true;
    run.paused = null;
    flush();
    annotate();
  }

  reset(false);
  return { reset, add, pause, stepped, state, end, select };
}
