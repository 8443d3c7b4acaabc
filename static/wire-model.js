// The pure half of "See the wire" (wire-view.js draws it): what a run keeps of its socket
// events, sizes and labels, the sequence diagram's layout, replay folding, and matching the
// gateway's annotations to events. No DOM here, so node --test checks it
// (static/test/wire.test.js).
//
// Contracts with other parts:
//   worker → page  {type:"pause", about:{kind, stream, addr, n, text}} before each socket
//                  operation of a step run (stepText, Layout.preview words it), and
//                  {type:"stepped", about:{kind, stream, addr, n, data, text}} when a read
//                  it paused before returns (stepResult words it).
//   POST /api/annotate      {events:[...]} → {messages:[{stream, event, dir, off, len,
//                           summary, notes:[{event, off, len, label, detail}]}]}; dir is
//                           "to-server" or "to-client"; event is the index of the payload
//                           event that holds the bytes, off counts that event's bytes
//                           (resolveAnnotations).
//   POST /api/export.pcapng {events:[...]} → the capture file (exportJSON is the body).
// The events posted have the shape the runtime reports (labnet/events.go). In a big run
// an event's data may be only the first bytes of its n: see keepData.
import * as F from "./format.js";
import { language, t } from "./i18n.js";

// LIMITS keep a run that moves megabytes cheap to hold and to show.
export const LIMITS = Object.freeze({
  fullBudget: 1 << 20, // payload bytes a run keeps whole (for export and annotation)
  prefix: 4096, // past that, the first bytes of each payload that are kept
  keepTotal: 8 << 20, // payload bytes a run keeps in all; past that only sizes
  events: 20000, // events kept per run; later ones only count in the totals
  blocks: 2000, // events shown in the bytes view
  dumpFirst: 512, // bytes dumped at once per message
  dumpStep: 16384, // bytes "show more" adds
  autoRows: 1500, // dump rows a run shows before later messages start folded
  perFrame: 24, // events drawn per animation frame
  lanes: 48, // peers with a lane of their own; past them, peers share one more lane
  rows: 2000, // rows drawn in the diagram: as many events as the bytes view shows
});

export const DATA_KINDS = new Set(["send", "recv", "sendto", "recvfrom"]);
export const OUT_KINDS = new Set(["send", "sendto"]);

export function plural(n, one, many) {
  return n === 1 ? `${n} ${one}` : `${n} ${many}`;
}

function oneDecimal(x) {
  return x.toFixed(1).replace(/\.0$/, "");
}

// sizeText says how many bytes, in bytes up to 10 KiB and in KiB or MiB above.
export function sizeText(n) {
  n = Number(n) || 0;
  if (n < 10240) return n === 1 ? t("wm.byte-one") : t("wm.bytes", { n });
  if (n < 10 << 20) return `${oneDecimal(n / 1024)} KiB`;
  return `${oneDecimal(n / (1 << 20))} MiB`;
}

// b64len is the number of bytes a base64 string holds, without decoding it.
export function b64len(s) {
  if (!s) return 0;
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return Math.floor(s.length / 4) * 3 - pad;
}

// b64prefix cuts a base64 string to its first n bytes, decoding only the last group.
export function b64prefix(s, n) {
  const len = b64len(s);
  if (n >= len) return { data: s || "", bytes: len };
  n = Math.max(0, Math.floor(n));
  const whole = Math.floor(n / 3);
  let data = s.slice(0, whole * 4);
  if (n % 3) data += btoa(atob(s.slice(whole * 4, whole * 4 + 4)).slice(0, n % 3));
  return { data, bytes: n };
}

// keepData decides how much of one payload a run keeps, given how many payload bytes it
// has kept so far: all of it while the run is under limits.fullBudget, then the first
// limits.prefix bytes while under limits.keepTotal, then nothing. cut is what was let go.
export function keepData(data, n, keptSoFar, limits = LIMITS) {
  const len = b64len(data);
  const total = typeof n === "number" && n >= len ? n : len;
  let want = len;
  if (keptSoFar + len > limits.fullBudget) {
    want = Math.min(len, limits.prefix, Math.max(0, limits.keepTotal - keptSoFar));
  }
  const p = b64prefix(data || "", want);
  return { data: p.data, bytes: p.bytes, cut: total - p.bytes };
}

// cleanEvent copies the fields a socket event has (labnet/events.go) and nothing else.
const FIELDS = ["t", "stream", "kind", "addr", "local", "remote", "n", "data", "addrs", "micros", "host", "code", "error", "fault", "text"];
export function cleanEvent(ev) {
  const out = {};
  for (const k of FIELDS) if (ev[k] !== undefined && ev[k] !== null) out[k] = ev[k];
  return out;
}

// sizeOf is an event's byte count: n, or the length of its data.
export function sizeOf(ev) {
  return typeof ev.n === "number" ? ev.n : b64len(ev.data);
}

function isPrintable(b) {
  return (b >= 0x20 && b < 0x7f) || b === 0x09;
}

// shortLabel names a payload in a few characters: its first line of text in quotes, or
// its first bytes in hex when it is not text. n is the whole payload's size (bytes may be
// only its start).
export function shortLabel(bytes, n = bytes.length, max = 40) {
  if (!bytes || bytes.length === 0) return "";
  let end = bytes.indexOf(0x0a);
  if (end < 0) end = bytes.length;
  let lineEnd = end;
  if (lineEnd > 0 && bytes[lineEnd - 1] === 0x0d) lineEnd--;
  const line = bytes.subarray(0, lineEnd);
  let odd = 0;
  for (const b of line) if (!isPrintable(b)) odd++;
  const textual = line.length > 0 ? isPrintable(line[0]) && odd * 10 <= line.length : end < bytes.length;
  if (textual) {
    let s = "";
    for (const b of line.subarray(0, max)) s += isPrintable(b) ? (b === 0x09 ? " " : String.fromCharCode(b)) : ".";
    const more = line.length > max || n > end + 1;
    if (line.length === 0) return t("wm.empty-line") + (more ? " \u2026" : "");
    return `"${s}"` + (more ? " \u2026" : "");
  }
  const shown = Array.from(bytes.subarray(0, 8), (b) => (b < 16 ? "0" : "") + b.toString(16)).join(" ");
  return shown + (n > 8 ? " \u2026" : "");
}

// labelBytes decodes the start of a base64 payload, enough for shortLabel.
function labelBytes(data) {
  return F.base64ToBytes(b64prefix(data || "", 96).data);
}

// StreamBook follows the streams of a run: what each one is (a TCP connection the program
// dialed or accepted, a listener, a UDP socket, a lookup) and who is at the other end.
export class StreamBook {
  constructor() {
    this.streams = new Map();
  }

  note(ev) {
    const s = ev.stream;
    switch (ev.kind) {
      case "lookup":
        this.streams.set(s, { kind: "lookup", name: ev.addr || "" });
        break;
      case "dial":
        this.streams.set(s, { kind: "tcp", server: false, name: ev.addr || ev.remote || `stream ${s}` });
        break;
      case "accept":
        this.streams.set(s, { kind: "tcp", server: true, name: ev.remote || ev.addr || `stream ${s}` });
        break;
      case "listen":
        this.streams.set(s, { kind: "listen", name: ev.local || ev.addr || "" });
        break;
      case "bind":
        this.streams.set(s, { kind: "udp", name: ev.remote ? ev.addr || ev.remote : "", local: ev.local || "" });
        break;
      case "sendto":
      case "recvfrom":
      case "drop":
        if (!this.streams.has(s)) this.streams.set(s, { kind: "udp", name: "", local: "" });
        break;
      default:
        if (!this.streams.has(s) && ev.addr && DATA_KINDS.has(ev.kind)) {
          this.streams.set(s, { kind: "tcp", server: false, name: ev.addr });
        }
    }
    return this.streams.get(s);
  }

  get(stream) {
    return this.streams.get(stream);
  }

  // peer names the other end of ev, as the bytes view titles it.
  peer(ev) {
    const s = this.streams.get(ev.stream);
    if (s && (s.kind === "udp" || s.kind === "lookup") && ev.addr) return ev.addr;
    if (s && s.name) return s.name;
    if (ev.addr) return ev.addr;
    if (ev.remote) return ev.remote;
    return ev.stream !== undefined ? t("wm.stream", { n: ev.stream }) : t("wm.network");
  }
}

// dataText titles one payload: "sent 18 bytes to web.lab:80".
function dataText(kind, n, peer) {
  if (kind === "sendto") return t("wm.sendto", { n, peer });
  if (kind === "recvfrom") return t("wm.recvfrom", { n, peer });
  return F.dataHeader(kind, n, peer);
}

// faultText says what the lab's faults did to ev (its fault field), or "" when nothing:
// "split into 1-byte segments by the lab", "dropped by the lab".
export function faultText(ev) {
  const f = ev && typeof ev.fault === "string" ? ev.fault : "";
  const seg = /^segment=(\d+)$/.exec(f);
  if (seg) return t("wm.split", { n: seg[1] });
  if (f === "loss" || f === "loss-sent") return t("wm.dropped");
  return "";
}

// eventText says in a few words what a socket event means; book must have seen ev.
export function eventText(ev, book) {
  const s = book.get(ev.stream);
  const peer = book.peer(ev);
  switch (ev.kind) {
    case "send":
    case "recv":
    case "sendto":
    case "recvfrom": {
      const lab = faultText(ev);
      const what = dataText(ev.kind, sizeOf(ev), peer);
      return lab ? t("wm.with-fault", { what, fault: lab }) : what;
    }
    case "accept":
      return t("wm.accept", { peer }) + (ev.local ? t("wm.accept-on", { local: ev.local }) : "");
    case "listen":
      return t("wm.listen", { addr: ev.local || ev.addr || t("wm.a-port") }) +
        (ev.host ? t("wm.listen-host", { host: ev.host, nc: ev.host.replace(/:(\d+)$/, " $1") }) : "");
    case "bind":
      return t("wm.bind", { local: ev.local || t("wm.a-port") }) + (ev.remote ? t("wm.bind-connected", { addr: ev.addr || ev.remote }) : "");
    case "faults":
      return t("wm.faults", { faults: ev.text || "?" });
    case "drop":
      if (ev.fault === "loss-sent") return t("wm.drop-loss-sent", { n: sizeOf(ev), peer });
      if (ev.fault === "loss") return t("wm.drop-loss", { n: sizeOf(ev), peer });
      return t("wm.drop", { n: sizeOf(ev), peer });
    case "close":
      if (s && s.kind === "listen") return t("wm.stop-listen", { addr: s.name || ev.addr });
      if (s && s.kind === "udp") return t("wm.close-udp", { addr: ev.addr || s.local || "" }).trim();
      return F.eventLine(ev, peer);
    default:
      return F.eventLine(ev, peer);
  }
}

// stepText says what a paused program is about to do: "about to send 18 bytes to
// web.lab:80". about is the worker's pause report {kind, stream, addr, n, text}.
export function stepText(about) {
  const a = about && typeof about === "object" ? about : {};
  if (typeof a.text === "string" && /^about to /.test(a.text) && language() === "en") return a.text;
  const who = a.addr || t("st.other-end");
  const n = Number(a.n) || 0;
  let s;
  switch (a.kind) {
    case "lookup":
      s = t("st.lookup", { addr: a.addr || t("st.a-name") });
      break;
    case "dial":
    case "connect":
      s = t("st.connect", { who });
      break;
    case "send":
    case "write":
      s = t("st.send", { size: sizeText(n), who });
      break;
    case "sendto":
      s = t("st.sendto", { n, who });
      break;
    case "recv":
    case "read":
      s = t("st.read", { who }) + (n ? t("st.read-up-to", { size: sizeText(n) }) : "");
      break;
    case "recvfrom":
      s = a.addr ? t("st.recvfrom-addr", { addr: a.addr }) : t("st.recvfrom");
      break;
    case "fin-sent":
    case "closewrite":
      s = t("st.fin", { who });
      break;
    case "close":
      s = a.addr ? t("st.close-addr", { addr: a.addr }) : t("st.close");
      break;
    case "reset-sent":
      s = t("st.reset", { who });
      break;
    case "listen":
      s = t("st.listen", { addr: a.addr || t("wm.a-port") });
      break;
    case "accept":
      s = t("st.accept");
      break;
    case "bind":
      s = a.addr ? t("st.bind-addr", { addr: a.addr }) : t("st.bind");
      break;
    default:
      s = t("st.other", { what: a.kind || t("st.an-operation") }) + (a.addr ? ` (${a.addr})` : "");
  }
  if ((a.kind === "send" || a.kind === "sendto" || a.kind === "write") && typeof a.text === "string" && a.text) {
    const preview = shortLabel(new TextEncoder().encode(a.text), n || a.text.length, 32);
    if (preview.startsWith('"')) s += `: ${preview}`;
  }
  return s;
}

// stepResult says what a read the learner stepped over returned: the runtime's words and,
// for bytes, their start: "the read returned 4 bytes from time.lab:37: ec c2 0a 80".
// result is the worker's stepped report {kind, stream, addr, n, data, error, text}.
export function stepResult(result) {
  const r = result && typeof result === "object" ? result : {};
  let s = resultWords(r);
  const n = Number(r.n) || 0;
  if (n > 0 && r.data) {
    const short = shortLabel(labelBytes(r.data), n, 32);
    if (short) s = t("st.with-bytes", { what: s, bytes: short });
  }
  return s;
}

// resultWords words a stepped operation's result: the runtime's own words in English, else
// from the event (kind, addr, n, error; the words tell an end of stream from 0 bytes).
function resultWords(r) {
  const text = typeof r.text === "string" ? r.text : "";
  if (text && language() === "en") return text;
  const n = Number(r.n) || 0;
  const who = r.addr || r.remote || t("st.other-end");
  switch (r.kind) {
    case "recv":
    case "read":
      if (r.error) return t("st.read-failed", { err: r.error });
      if (n > 0) return t("st.read-returned", { size: sizeText(n), who });
      return /EOF/.test(text) ? t("st.read-eof", { who }) : t("st.read-zero");
    case "recvfrom":
      return r.error ? t("st.recvfrom-failed", { err: r.error }) : t("st.recvfrom-returned", { n, who });
    case "accept":
      return r.error ? t("st.accept-failed", { err: r.error }) : t("st.accepted", { who: r.remote || who });
  }
  return t("st.returned");
}

// Layout places the events of a run on the sequence diagram: lane 0 is the program, one
// lane per peer after it (in the order they first appear), one row per event. Items are
// {index, row, t, type: "arrow"|"mark"|"note", from, to, cls, label, title}: an arrow
// goes from lane to lane, a mark joins two lanes without a direction (a close), a note
// sits at one lane. Lanes are {key, name, sub}. It lays out events as they come (add), so
// the page can draw a run while it runs; summaries (event index → text) replace the
// short labels of payloads once the gateway has annotated them.
export class Layout {
  constructor(opts = {}) {
    this.limits = Object.assign({}, LIMITS, opts.limits);
    this.summaries = opts.summaries || new Map();
    this.lanes = [{ key: "program", name: t("wm.you"), sub: t("wm.this-cell") }];
    this.laneIndex = new Map([["program", 0]]);
    this.book = new StreamBook();
    this.items = [];
    this.hidden = 0; // events not drawn
    this.shared = new Set(); // peers drawn in the shared lane
  }

  // lane returns the index of a peer's lane, adding it. Past limits.lanes peers, the rest
  // share one last lane, so that every event is still drawn (its title names the peer).
  lane(peer) {
    if (this.laneIndex.has(peer.key)) return this.laneIndex.get(peer.key);
    if (this.lanes.length - 1 >= this.limits.lanes) {
      if (!this.laneIndex.has("others")) {
        this.lanes.push({ key: "others", name: t("wm.others"), sub: "" });
        this.laneIndex.set("others", this.lanes.length - 1);
      }
      this.shared.add(peer.key);
      const i = this.laneIndex.get("others");
      this.lanes[i].sub = this.shared.size === 1 ? t("wm.peer-one") : t("wm.peers", { n: this.shared.size });
      return i;
    }
    this.lanes.push(peer);
    this.laneIndex.set(peer.key, this.lanes.length - 1);
    return this.lanes.length - 1;
  }

  // peerOf names the lane of ev's other end, or null for events of the program alone.
  peerOf(ev, s) {
    if (s && s.kind === "tcp") {
      return { key: "tcp " + s.name, name: s.name, sub: s.server ? t("wm.tcp-client") : "TCP" };
    }
    if (s && s.kind === "udp") {
      const name = ev.addr || ev.remote || s.name;
      if (!name || ev.kind === "close" || ev.kind === "bind") return null;
      return { key: "udp " + name, name, sub: "UDP" };
    }
    return null;
  }

  // describe says how to draw ev: {type, dir: "out"|"in", cls, label}; null skips it.
  describe(ev, index) {
    const s = this.book.get(ev.stream);
    const n = sizeOf(ev);
    const payload = () => {
      const summary = this.summaries.get(index);
      const short = summary || shortLabel(labelBytes(ev.data), n);
      return sizeText(n) + (short ? `: ${short}` : "");
    };
    switch (ev.kind) {
      case "lookup":
        return { type: "note", cls: "note", label: ev.error ? t("wm.l-lookup-failed", { addr: ev.addr, err: ev.error }) : t("wm.l-lookup", { addr: ev.addr || "" }).trim() };
      case "faults":
        return { type: "note", cls: "note", label: t("wm.l-faults", { faults: ev.text || "?" }) };
      case "answer":
        return { type: "note", cls: "note", label: t("wire.answer", { addr: ev.addr, addrs: (ev.addrs || []).join(", ") || t("wire.no-address") }) };
      case "dial":
        return { type: "arrow", dir: "out", cls: "ctl", label: t("wm.l-connect") };
      case "connected":
        return { type: "arrow", dir: "in", cls: "ctl", label: t("wm.l-connected") + (ev.micros ? t("wire.connected-in", { time: F.formatMillis(ev.micros / 1000) }) : "") };
      case "accept":
        return { type: "arrow", dir: "in", cls: "ctl", label: t("wm.l-accepted") };
      case "listen":
        return { type: "note", cls: "note", label: t("wm.l-listen", { addr: ev.local || ev.addr || t("wm.a-port") }) };
      case "bind":
        return { type: "note", cls: "note", label: t("wm.l-udp", { local: ev.local || "" }).trim() + (ev.remote ? t("wm.l-udp-for", { addr: ev.addr || ev.remote }) : "") };
      case "send":
      case "sendto":
        return { type: "arrow", dir: "out", cls: "send", label: payload() };
      case "recv":
      case "recvfrom":
        return { type: "arrow", dir: "in", cls: "recv", label: payload() };
      case "drop":
        if (ev.fault === "loss-sent") return { type: "arrow", dir: "out", cls: "drop", label: t("wm.l-dropped-lab", { size: sizeText(n) }) };
        if (ev.fault === "loss") return { type: "arrow", dir: "in", cls: "drop", label: t("wm.l-dropped-lab", { size: sizeText(n) }) };
        return { type: "arrow", dir: "in", cls: "drop", label: t("wm.l-dropped", { size: sizeText(n) }) };
      case "fin-sent":
        return { type: "arrow", dir: "out", cls: "fin", label: "FIN" };
      case "fin-recv":
        return { type: "arrow", dir: "in", cls: "fin", label: "FIN" };
      case "close":
        if (s && s.kind === "tcp") return { type: "mark", cls: "close", label: t("wm.l-close") };
        if (s && s.kind === "listen") return { type: "note", cls: "note", label: t("wm.l-stop-listen") };
        if (s && s.kind === "udp") return { type: "note", cls: "note", label: t("wm.l-close-udp") };
        return { type: "note", cls: "note", label: t("wm.l-close") };
      case "reset":
        return { type: "arrow", dir: "in", cls: "rst", label: "RST" + (ev.error ? `: ${ev.error}` : "") };
      case "reset-sent":
        return { type: "arrow", dir: "out", cls: "rst", label: "RST" };
      case "error":
        if (s && s.kind === "tcp") return { type: "arrow", dir: "in", cls: "error", label: t("wm.l-error", { err: ev.error || t("wire.unknown-error") }) };
        return { type: "note", cls: "error", label: t("wm.l-error", { err: ev.error || t("wire.unknown-error") }) };
      default:
        return { type: "note", cls: "note", label: `${ev.kind || "event"} ${ev.addr || ""}`.trim() };
    }
  }

  // add lays out the event at index; it returns the new item, or null if not drawn.
  add(ev, index) {
    if (!ev || typeof ev !== "object") return null;
    const s = this.book.note(ev);
    if (this.items.length >= this.limits.rows) {
      this.hidden++;
      return null;
    }
    const d = this.describe(ev, index);
    let lane = 0;
    const peer = d.type === "note" ? null : this.peerOf(ev, s);
    if (peer) lane = this.lane(peer);
    let type = d.type;
    if (lane === 0) type = "note";
    const item = {
      index,
      row: this.items.length,
      t: ev.t,
      type,
      from: d.dir === "in" ? lane : 0,
      to: d.dir === "in" ? 0 : lane,
      cls: d.cls,
      label: d.label,
      title: eventText(ev, this.book),
    };
    this.items.push(item);
    return item;
  }

  // preview lays out what a paused program is about to do, without changing the layout.
  preview(about) {
    const a = about && typeof about === "object" ? about : {};
    const s = this.book.get(a.stream);
    let lane = 0;
    if (s && s.kind === "tcp") lane = this.laneIndex.get("tcp " + s.name) ?? 0;
    else if (a.addr) lane = this.laneIndex.get("tcp " + a.addr) ?? this.laneIndex.get("udp " + a.addr) ?? 0;
    const inward = a.kind === "recv" || a.kind === "read" || a.kind === "recvfrom" || a.kind === "accept";
    const label = stepText(a);
    return {
      index: -1,
      row: this.items.length,
      t: undefined,
      type: lane === 0 ? "note" : "arrow",
      from: inward ? lane : 0,
      to: inward ? 0 : lane,
      cls: "pending",
      label,
      title: label,
    };
  }

  // more says what the diagram leaves out, or "".
  more() {
    const parts = [];
    if (this.hidden > 0) parts.push(this.hidden === 1 ? t("wm.not-drawn-one") : t("wm.not-drawn", { n: this.hidden }));
    if (this.shared.size > 0) parts.push(this.shared.size === 1 ? t("wm.share-lane-one") : t("wm.share-lane", { n: this.shared.size }));
    return parts.join(t("wm.sep"));
  }
}

// layoutEvents lays out a whole list of events (the first upTo of them).
export function layoutEvents(events, opts = {}, upTo = events.length) {
  const l = new Layout(opts);
  for (let i = 0; i < Math.min(upTo, events.length); i++) l.add(events[i], i);
  return l;
}

// replayState folds the first p events of a run: bytes sent and received so far, how
// many connections are open, and the last event shown.
export function replayState(events, p) {
  p = Math.max(0, Math.min(p, events.length));
  const open = new Set();
  let sent = 0;
  let received = 0;
  for (let i = 0; i < p; i++) {
    const ev = events[i];
    switch (ev.kind) {
      case "connected":
      case "accept":
        open.add(ev.stream);
        break;
      case "close":
      case "reset":
      case "reset-sent":
      case "error":
        open.delete(ev.stream);
        break;
      case "send":
      case "sendto":
        sent += sizeOf(ev);
        break;
      case "recv":
      case "recvfrom":
        received += sizeOf(ev);
        break;
    }
  }
  return { shown: p, total: events.length, sent, received, open: open.size, last: p > 0 ? events[p - 1] : null };
}

// resolveAnnotations ties the annotator's messages to the events they describe. The gateway
// places each message and each note on the payload event that carried its bytes: event is
// that event's index in the run, off counts that event's bytes (a note cut between two reads
// comes as a note on each). It returns byEvent (index → {messages:[{summary, off, len}],
// notes:[{off, len, label, detail}]}) and summaries (index → the summaries of the messages
// that start there, for the diagram). Places that are not a payload of the message's stream
// are left out, and spans are cut to the bytes the event kept.
export function resolveAnnotations(events, messages) {
  const byEvent = new Map();
  const summaries = new Map();
  const entry = (i) => {
    if (!byEvent.has(i)) byEvent.set(i, { messages: [], notes: [] });
    return byEvent.get(i);
  };
  // payload returns event i if it carries bytes of stream, or null.
  const payload = (i, stream) => {
    const ev = Number.isInteger(i) && i >= 0 && i < events.length ? events[i] : null;
    return ev && DATA_KINDS.has(ev.kind) && ev.stream === stream ? ev : null;
  };
  // span cuts [off, off+len) to the kept bytes of ev.
  const span = (ev, off, len) => {
    const kept = b64len(ev.data);
    const o = Math.min(Math.max(0, Number(off) || 0), kept);
    return { off: o, len: Math.max(0, Math.min(Number(len) || 0, kept - o)) };
  };
  for (const m of Array.isArray(messages) ? messages : []) {
    if (!m || typeof m !== "object") continue;
    const ev = payload(m.event, m.stream);
    if (!ev) continue;
    const summary = typeof m.summary === "string" ? m.summary : "";
    const off = span(ev, m.off, 0).off;
    entry(m.event).messages.push({ summary, off, len: Math.max(0, Number(m.len) || 0) });
    if (summary) summaries.set(m.event, summaries.has(m.event) ? `${summaries.get(m.event)}; ${summary}` : summary);
    for (const n of Array.isArray(m.notes) ? m.notes : []) {
      if (!n || typeof n !== "object") continue;
      const at = n.event === undefined ? m.event : n.event;
      const nev = payload(at, m.stream);
      if (!nev) continue;
      entry(at).notes.push(Object.assign(span(nev, n.off, n.len), {
        label: String(n.label ?? ""),
        detail: String(n.detail ?? ""),
      }));
    }
  }
  return { byEvent, summaries };
}

// markRow splits one row of F.hexRows (the row starting at byte rowOff) around the bytes
// [from, to): {hex: [before, marked, after], text: [...]}, or null if none are in it.
export function markRow(row, rowOff, from, to) {
  const count = row.text.length;
  const s = Math.max(from, rowOff) - rowOff;
  const e = Math.min(to, rowOff + count) - rowOff;
  if (e <= s) return null;
  const at = (i) => i * 3 + (i >= 8 ? 1 : 0);
  const hs = at(s);
  const he = at(e - 1) + 2;
  return {
    hex: [row.hex.slice(0, hs), row.hex.slice(hs, he), row.hex.slice(he)],
    text: [row.text.slice(0, s), row.text.slice(s, e), row.text.slice(e)],
  };
}

// exportJSON is the run as a file: {"events": [...], "start": ms}, the body the export
// endpoints take. start is the wall-clock time the run's events count from (Run.start), in
// milliseconds since 1970: the capture's packets carry the run's own times.
export function exportJSON(events, start) {
  return JSON.stringify(Number.isFinite(start) ? { events, start } : { events }, null, 1);
}

// Run is what the page keeps of one run: its events (cleaned, payloads cut as keepData
// says, and past limits.events only counted), the byte totals, whether the program is
// paused before an operation (step mode), and where replay stands (pos: the events shown,
// null while showing all of a run).
export class Run {
  constructor(id, step, limits = LIMITS) {
    this.id = id;
    this.step = !!step;
    this.limits = limits;
    this.events = [];
    this.kept = 0; // payload bytes kept
    this.notKept = 0; // events counted but not kept
    this.sent = 0;
    this.received = 0;
    this.paused = null;
    this.ended = false;
    this.pos = null;
    this.summaries = new Map(); // event index → the annotator's summary
    // start is when the run's clock read 0, in milliseconds since 1970: events carry t, the
    // milliseconds since the program's session started, and each arrives a little after its
    // t, so the earliest arrival minus t is the closest bound.
    this.start = null;
  }

  // add takes an event as the worker reported it, at wall-clock time now; it returns false
  // when ev is no event or the run has ended.
  add(ev, now = Date.now()) {
    if (!ev || typeof ev !== "object" || this.ended) return false;
    if (Number.isFinite(ev.t) && Number.isFinite(now) && (this.start === null || now - ev.t < this.start)) {
      this.start = now - ev.t;
    }
    const n = sizeOf(ev);
    if (OUT_KINDS.has(ev.kind)) this.sent += n;
    if (ev.kind === "recv" || ev.kind === "recvfrom") this.received += n;
    if (this.events.length >= this.limits.events) {
      this.notKept++;
      return true;
    }
    const c = cleanEvent(ev);
    if (c.data !== undefined) {
      const k = keepData(c.data, c.n, this.kept, this.limits);
      // A cut prefix is copied: a slice would keep the whole payload in memory.
      c.data = k.cut > 0 ? JSON.parse(JSON.stringify(k.data)) : k.data;
      if (typeof c.n !== "number") c.n = n;
      this.kept += k.bytes;
    }
    this.events.push(c);
    return true;
  }

  // shown is how many events replay shows.
  shown() {
    return this.pos === null ? this.events.length : this.pos;
  }

  // seek moves replay to show the first p events (clamped); it returns p.
  seek(p) {
    const n = this.events.length;
    p = Math.max(0, Math.min(n, p));
    this.pos = p === n ? null : p;
    return p;
  }

  // status is the line beside the replay buttons: while the run lives the events so far,
  // after it the replay position and the last event shown, then the bytes so far.
  status() {
    const n = this.events.length;
    const live = !this.ended;
    const p = this.shown();
    const st = replayState(this.events, p);
    let text = live ? (n === 1 ? t("wm.events-one") : t("wm.events", { n })) : t("wm.event-of", { p, n });
    if (!live && st.last) {
      const b = new StreamBook();
      for (let i = 0; i < p; i++) b.note(this.events[i]);
      text += ` \u00b7 ${F.formatMillis(st.last.t)} \u00b7 ${eventText(st.last, b)}`;
    }
    text += t("wm.so-far", { sent: sizeText(st.sent), received: sizeText(st.received) });
    if (this.notKept > 0) text += this.notKept === 1 ? t("wm.not-kept-one") : t("wm.not-kept", { n: this.notKept });
    return text;
  }
}
