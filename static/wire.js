// "See the wire": what a run said and heard, for the lesson page.
//
// Per run: a sequence diagram (the program and each peer as lanes, one row per socket event),
// the bytes of every message as a hex and text dump with the gateway's annotations beside
// them, step mode (the program pauses before each socket operation), replay of a finished run
// one event at a time, and export as JSON or pcapng.
//
// The top half of this file is pure (no DOM): sizes and labels, what to keep of a payload,
// the diagram layout, replay folding, matching annotations to events. node --test checks it
// (static/test/wire.test.js). The bottom half, attach, builds the views of one cell; it
// touches the DOM only when called. In the page this file sets self.socketlabWire and needs
// format.js loaded first; under node it is a CommonJS module.
//
// Contracts with other parts:
//   worker → page  {type:"pause", about:{kind, stream, addr, n, text}} before each socket
//                  operation of a step run; page → worker {type:"step"} or {type:"continue"}.
//   POST /api/annotate      {events:[...]} → {messages:[{stream, event, dir, off, len,
//                           summary, notes:[{off, len, label, detail}]}]}; dir is
//                           "to-server" or "to-client"; off counts the bytes of one
//                           direction of the stream from its start.
//   POST /api/export.pcapng {events:[...]} → the capture file.
// The events posted have the shape the runtime reports (labnet/events.go). In a big run
// an event's data may be only the first bytes of its n: see keepData.
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./format.js"));
  } else {
    root.socketlabWire = factory(root.socketlabFormat);
  }
})(typeof self !== "undefined" ? self : this, function (F) {
  "use strict";

  // LIMITS keep a run that moves megabytes cheap to hold and to show.
  const LIMITS = Object.freeze({
    fullBudget: 1 << 20, // payload bytes a run keeps whole (for export and annotation)
    prefix: 4096, // past that, the first bytes of each payload that are kept
    keepTotal: 8 << 20, // payload bytes a run keeps in all; past that only sizes
    events: 20000, // events kept per run; later ones only count in the totals
    blocks: 2000, // events shown in the bytes view
    dumpFirst: 512, // bytes dumped at once per message
    dumpStep: 16384, // bytes "show more" adds
    autoRows: 1500, // dump rows a run shows before later messages start folded
    perFrame: 24, // events drawn per animation frame
    lanes: 6, // peers drawn in the diagram
    rows: 400, // rows drawn in the diagram
  });

  const DATA_KINDS = new Set(["send", "recv", "sendto", "recvfrom"]);
  const OUT_KINDS = new Set(["send", "sendto"]);

  function plural(n, one, many) {
    return n === 1 ? `${n} ${one}` : `${n} ${many}`;
  }

  function oneDecimal(x) {
    return x.toFixed(1).replace(/\.0$/, "");
  }

  // sizeText says how many bytes, in bytes up to 10 KiB and in KiB or MiB above.
  function sizeText(n) {
    n = Number(n) || 0;
    if (n < 10240) return plural(n, "byte", "bytes");
    if (n < 10 << 20) return `${oneDecimal(n / 1024)} KiB`;
    return `${oneDecimal(n / (1 << 20))} MiB`;
  }

  // b64len is the number of bytes a base64 string holds, without decoding it.
  function b64len(s) {
    if (!s) return 0;
    const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
    return Math.floor(s.length / 4) * 3 - pad;
  }

  // b64prefix cuts a base64 string to its first n bytes, decoding only the last group.
  function b64prefix(s, n) {
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
  function keepData(data, n, keptSoFar, limits = LIMITS) {
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
  const FIELDS = ["t", "stream", "kind", "addr", "local", "remote", "n", "data", "addrs", "micros", "host", "code", "error"];
  function cleanEvent(ev) {
    const out = {};
    for (const k of FIELDS) if (ev[k] !== undefined && ev[k] !== null) out[k] = ev[k];
    return out;
  }

  // sizeOf is an event's byte count: n, or the length of its data.
  function sizeOf(ev) {
    return typeof ev.n === "number" ? ev.n : b64len(ev.data);
  }

  function isPrintable(b) {
    return (b >= 0x20 && b < 0x7f) || b === 0x09;
  }

  // shortLabel names a payload in a few characters: its first line of text in quotes, or
  // its first bytes in hex when it is not text. n is the whole payload's size (bytes may be
  // only its start).
  function shortLabel(bytes, n = bytes.length, max = 40) {
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
      if (line.length === 0) return "(empty line)" + (more ? " \u2026" : "");
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
  class StreamBook {
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
      return ev.stream !== undefined ? `stream ${ev.stream}` : "the network";
    }
  }

  // dataText titles one payload: "sent 18 bytes to web.lab:80".
  function dataText(kind, n, peer) {
    if (kind === "sendto") return `sent a ${n}-byte datagram to ${peer}`;
    if (kind === "recvfrom") return `received a ${n}-byte datagram from ${peer}`;
    return F.dataHeader(kind, n, peer);
  }

  // eventText says in a few words what a socket event means; book must have seen ev.
  function eventText(ev, book) {
    const s = book.get(ev.stream);
    const peer = book.peer(ev);
    switch (ev.kind) {
      case "send":
      case "recv":
      case "sendto":
      case "recvfrom":
        return dataText(ev.kind, sizeOf(ev), peer);
      case "accept":
        return `${peer} connected and the program accepted it` + (ev.local ? ` on ${ev.local}` : "");
      case "listen":
        return `listening on ${ev.local || ev.addr || "a port"}` +
          (ev.host ? ` (from the gateway's own machine: ${ev.host}, e.g. nc ${ev.host.replace(/:(\d+)$/, " $1")})` : "");
      case "bind":
        return `opened a UDP socket on ${ev.local || "a port"}` + (ev.remote ? `, connected to ${ev.addr || ev.remote}` : "");
      case "drop":
        return `a ${sizeOf(ev)}-byte datagram from ${peer} was dropped: too many were waiting to be read`;
      case "close":
        if (s && s.kind === "listen") return `stopped listening on ${s.name || ev.addr}`;
        if (s && s.kind === "udp") return `closed the UDP socket ${ev.addr || s.local || ""}`.trim();
        return F.eventLine(ev, peer);
      default:
        return F.eventLine(ev, peer);
    }
  }

  // stepText says what a paused program is about to do: "about to send 18 bytes to
  // web.lab:80". about is the worker's pause report {kind, stream, addr, n, text}.
  function stepText(about) {
    const a = about && typeof about === "object" ? about : {};
    if (typeof a.text === "string" && /^about to /.test(a.text)) return a.text;
    const who = a.addr || "the other end";
    const n = Number(a.n) || 0;
    let s;
    switch (a.kind) {
      case "lookup":
        s = `about to look up ${a.addr || "a name"}`;
        break;
      case "dial":
      case "connect":
        s = `about to connect to ${who}`;
        break;
      case "send":
      case "write":
        s = `about to send ${sizeText(n)} to ${who}`;
        break;
      case "sendto":
        s = `about to send a ${n}-byte datagram to ${who}`;
        break;
      case "recv":
      case "read":
        s = `about to read from ${who}` + (n ? ` (up to ${sizeText(n)})` : "");
        break;
      case "recvfrom":
        s = "about to wait for a datagram" + (a.addr ? ` from ${a.addr}` : "");
        break;
      case "fin-sent":
      case "closewrite":
        s = `about to finish sending to ${who} (FIN)`;
        break;
      case "close":
        s = a.addr ? `about to close the connection to ${a.addr}` : "about to close a socket";
        break;
      case "reset-sent":
        s = `about to reset the connection to ${who}`;
        break;
      case "listen":
        s = `about to listen on ${a.addr || "a port"}`;
        break;
      case "accept":
        s = "about to wait for a client to connect";
        break;
      case "bind":
        s = "about to open a UDP socket" + (a.addr ? ` for ${a.addr}` : "");
        break;
      default:
        s = `about to ${a.kind || "do a socket operation"}` + (a.addr ? ` (${a.addr})` : "");
    }
    if ((a.kind === "send" || a.kind === "sendto" || a.kind === "write") && typeof a.text === "string" && a.text) {
      const preview = shortLabel(new TextEncoder().encode(a.text), n || a.text.length, 32);
      if (preview.startsWith('"')) s += `: ${preview}`;
    }
    return s;
  }

  // Layout places the events of a run on the sequence diagram: lane 0 is the program, one
  // lane per peer after it (in the order they first appear), one row per event. Items are
  // {index, row, t, type: "arrow"|"mark"|"note", from, to, cls, label, title}: an arrow
  // goes from lane to lane, a mark joins two lanes without a direction (a close), a note
  // sits at one lane. Lanes are {key, name, sub}. It lays out events as they come (add), so
  // the page can draw a run while it runs; summaries (event index → text) replace the
  // short labels of payloads once the gateway has annotated them.
  class Layout {
    constructor(opts = {}) {
      this.limits = Object.assign({}, LIMITS, opts.limits);
      this.summaries = opts.summaries || new Map();
      this.lanes = [{ key: "program", name: "your program", sub: "this cell" }];
      this.laneIndex = new Map([["program", 0]]);
      this.book = new StreamBook();
      this.items = [];
      this.hidden = 0; // events not drawn
      this.hiddenPeers = new Set();
    }

    // lane returns the index of a peer's lane, adding it if there is room, or -1.
    lane(peer) {
      if (this.laneIndex.has(peer.key)) return this.laneIndex.get(peer.key);
      if (this.lanes.length - 1 >= this.limits.lanes) {
        this.hiddenPeers.add(peer.key);
        return -1;
      }
      this.lanes.push(peer);
      this.laneIndex.set(peer.key, this.lanes.length - 1);
      return this.lanes.length - 1;
    }

    // peerOf names the lane of ev's other end, or null for events of the program alone.
    peerOf(ev, s) {
      if (s && s.kind === "tcp") {
        return { key: "tcp " + s.name, name: s.name, sub: s.server ? "TCP client" : "TCP" };
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
          return { type: "note", cls: "note", label: ev.error ? `look up ${ev.addr}: ${ev.error}` : `look up ${ev.addr || ""}`.trim() };
        case "answer":
          return { type: "note", cls: "note", label: `${ev.addr} is ${(ev.addrs || []).join(", ") || "no address"}` };
        case "dial":
          return { type: "arrow", dir: "out", cls: "ctl", label: "connect" };
        case "connected":
          return { type: "arrow", dir: "in", cls: "ctl", label: "connected" + (ev.micros ? ` in ${F.formatMillis(ev.micros / 1000)}` : "") };
        case "accept":
          return { type: "arrow", dir: "in", cls: "ctl", label: "connects, accepted" };
        case "listen":
          return { type: "note", cls: "note", label: `listen on ${ev.local || ev.addr || "a port"}` };
        case "bind":
          return { type: "note", cls: "note", label: `UDP socket ${ev.local || ""}`.trim() + (ev.remote ? ` for ${ev.addr || ev.remote}` : "") };
        case "send":
        case "sendto":
          return { type: "arrow", dir: "out", cls: "send", label: payload() };
        case "recv":
        case "recvfrom":
          return { type: "arrow", dir: "in", cls: "recv", label: payload() };
        case "drop":
          return { type: "arrow", dir: "in", cls: "drop", label: `${sizeText(n)} dropped` };
        case "fin-sent":
          return { type: "arrow", dir: "out", cls: "fin", label: "FIN" };
        case "fin-recv":
          return { type: "arrow", dir: "in", cls: "fin", label: "FIN" };
        case "close":
          if (s && s.kind === "tcp") return { type: "mark", cls: "close", label: "close" };
          if (s && s.kind === "listen") return { type: "note", cls: "note", label: "stop listening" };
          if (s && s.kind === "udp") return { type: "note", cls: "note", label: "close the UDP socket" };
          return { type: "note", cls: "note", label: "close" };
        case "reset":
          return { type: "arrow", dir: "in", cls: "rst", label: "RST" + (ev.error ? `: ${ev.error}` : "") };
        case "reset-sent":
          return { type: "arrow", dir: "out", cls: "rst", label: "RST" };
        case "error":
          if (s && s.kind === "tcp") return { type: "arrow", dir: "in", cls: "error", label: `error: ${ev.error || "unknown"}` };
          return { type: "note", cls: "error", label: `error: ${ev.error || "unknown"}` };
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
      if (peer) {
        lane = this.lane(peer);
        if (lane < 0) {
          this.hidden++;
          return null;
        }
      }
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
      if (this.hidden > 0) parts.push(`${plural(this.hidden, "more event", "more events")} not drawn`);
      if (this.hiddenPeers.size > 0) parts.push(`${plural(this.hiddenPeers.size, "more peer", "more peers")} not shown`);
      return parts.join("; ");
    }
  }

  // layoutEvents lays out a whole list of events (the first upTo of them).
  function layoutEvents(events, opts = {}, upTo = events.length) {
    const l = new Layout(opts);
    for (let i = 0; i < Math.min(upTo, events.length); i++) l.add(events[i], i);
    return l;
  }

  // replayState folds the first p events of a run: bytes sent and received so far, how
  // many connections are open, and the last event shown.
  function replayState(events, p) {
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

  // dirOf says which way a payload went, in the annotator's words: a program that dialed
  // (or sent a datagram) is the client, one that accepted is the server.
  function dirOf(ev, s) {
    const out = OUT_KINDS.has(ev.kind);
    const server = !!(s && s.server);
    return out !== server ? "to-server" : "to-client";
  }

  // resolveAnnotations ties the annotator's messages to the events they describe. Offsets
  // in the answer count the bytes of one direction of a stream; each payload event covers
  // a span of them. It returns byEvent (index → {messages:[{summary, off, len}],
  // notes:[{off, len, label, detail}]}, offsets local to that event's bytes) and summaries
  // (index → the summary of the message that starts there, for the diagram).
  function resolveAnnotations(events, messages) {
    const book = new StreamBook();
    const spans = new Map(); // "stream dir" → [{i, start, len}]
    const spanAt = new Map(); // event index → its span and key
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      const s = book.note(ev);
      if (!DATA_KINDS.has(ev.kind)) continue;
      const len = b64len(ev.data);
      const key = `${ev.stream} ${dirOf(ev, s)}`;
      if (!spans.has(key)) spans.set(key, []);
      const list = spans.get(key);
      const last = list[list.length - 1];
      const span = { i, start: last ? last.start + last.len : 0, len };
      if (len > 0) list.push(span);
      else if (!last) list.push(span);
      spanAt.set(i, { span, key });
    }
    // find returns the span holding offset off (or ending at it).
    function find(key, off) {
      const list = spans.get(key);
      if (!list || list.length === 0) return null;
      let lo = 0;
      let hi = list.length - 1;
      if (off < list[0].start) return null;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (list[mid].start <= off) lo = mid;
        else hi = mid - 1;
      }
      const sp = list[lo];
      return off <= sp.start + sp.len ? sp : null;
    }
    const byEvent = new Map();
    const summaries = new Map();
    const entry = (i) => {
      if (!byEvent.has(i)) byEvent.set(i, { messages: [], notes: [] });
      return byEvent.get(i);
    };
    for (const m of Array.isArray(messages) ? messages : []) {
      if (!m || typeof m !== "object") continue;
      const key = `${m.stream} ${m.dir}`;
      const off = Number(m.off) || 0;
      let sp = find(key, off);
      if (!sp) {
        const at = spanAt.get(m.event);
        if (!at || at.key !== key) continue;
        sp = at.span;
      }
      const summary = typeof m.summary === "string" ? m.summary : "";
      entry(sp.i).messages.push({ summary, off: off - sp.start, len: Number(m.len) || 0 });
      if (summary) summaries.set(sp.i, summaries.has(sp.i) ? `${summaries.get(sp.i)}; ${summary}` : summary);
      for (const n of Array.isArray(m.notes) ? m.notes : []) {
        if (!n || typeof n !== "object") continue;
        const noff = Number(n.off) || 0;
        const nsp = find(key, noff) || sp;
        const local = Math.max(0, noff - nsp.start);
        entry(nsp.i).notes.push({
          off: local,
          len: Math.max(0, Math.min(Number(n.len) || 0, nsp.len - local)),
          label: String(n.label ?? ""),
          detail: String(n.detail ?? ""),
        });
      }
    }
    return { byEvent, summaries };
  }

  // markRow splits one row of F.hexRows (the row starting at byte rowOff) around the bytes
  // [from, to): {hex: [before, marked, after], text: [...]}, or null if none are in it.
  function markRow(row, rowOff, from, to) {
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

  // exportJSON is the run as a file: {"events": [...]}, the body the export endpoints take.
  function exportJSON(events) {
    return JSON.stringify({ events }, null, 1);
  }

  // ---- The views of one cell (DOM from here on). ----

  const SVG = "http://www.w3.org/2000/svg";
  const TIME_W = 64; // the time column
  const PAD = 90; // room left and right of the outer lanes
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
    const body = svg("svg", { class: "seq", role: "list", "aria-label": "sequence diagram of the run" });
    box.append(head, body);
    let layout = null;
    let gap = 400;
    let width = 0;
    let drawnLanes = 0;
    let drawnItems = 0;
    let lifelines = null;
    let ghost = null;
    const nodes = new Map(); // event index → row group

    const x = (lane) => TIME_W + PAD + lane * gap;

    function measure() {
      const lanes = layout.lanes.length;
      const avail = Math.max(box.clientWidth || 0, 560);
      gap = lanes > 1 ? Math.min(560, Math.max(210, (avail - TIME_W - 2 * PAD) / (lanes - 1))) : 0;
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
    function draw(l, pending) {
      if (l !== layout || l.lanes.length !== drawnLanes) {
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
        const btn = el("button", "more", st.count === 0 ? `show the bytes (${sizeText(more)})` : `show ${sizeText(more)} more`);
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
          `${sizeText(st.n - st.kept)} more not kept: in a big run each message keeps only its first ${sizeText(LIMITS.prefix)}`));
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
          panel.appendChild(el("div", "event note", "later events are not shown; the totals still count them"));
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
  //   state(s)      the cell's state changed (keeps Step and Continue right)
  //   end()         the run ended: draw the rest, annotate, allow replay and export
  // hooks: stepRun() starts a run in step mode, send(msg) posts to the worker, resume() says
  // the program goes on after Step or Continue.
  function attach(cell, hooks) {
    const panel = cell.querySelector(".bytes");
    const runBtn = cell.querySelector("button.run");

    const stepBtn = el("button", "step", "Step");
    stepBtn.type = "button";
    stepBtn.title = "Run the program one socket operation at a time";
    const contBtn = el("button", "continue", "Continue");
    contBtn.type = "button";
    contBtn.title = "Let the program run to the end without pausing";
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
    const firstBtn = btn("first", "|\u25c0", "Replay: back to the start");
    const backBtn = btn("back", "\u25c0", "Replay: one event back");
    const fwdBtn = btn("forward", "\u25b6", "Replay: one event forward");
    const lastBtn = btn("last", "\u25b6|", "Replay: to the end");
    const pos = el("span", "pos");
    pos.setAttribute("aria-live", "polite");
    const jsonBtn = el("button", "json", "JSON");
    jsonBtn.type = "button";
    jsonBtn.title = "Save the run's socket events as a JSON file";
    const pcapBtn = el("button", "pcapng", "pcapng");
    pcapBtn.type = "button";
    pcapBtn.title = "Save the run as a capture file for Wireshark or tshark";
    const msg = el("span", "msg");
    msg.setAttribute("role", "status");
    const replay = el("span", "replay");
    replay.append(firstBtn, backBtn, fwdBtn, lastBtn);
    const exporter = el("span", "export");
    exporter.append(el("span", "what", "Download"), jsonBtn, pcapBtn);
    bar.append(replay, exporter, pos, msg);
    const box = el("div", "diagram");
    const more = el("div", "more");
    more.hidden = true;
    view.append(bar, box, more);
    panel.before(view);

    let run = null;
    let frame = 0;
    const diagram = makeDiagram(box, more, (i) => select(i, "diagram"));
    const bytes = makeBytes(panel, (i) => select(i, "bytes"));

    function newRun(step) {
      return {
        id: (run ? run.id : 0) + 1,
        events: [],
        kept: 0,
        notKept: 0,
        sent: 0,
        received: 0,
        step,
        paused: null,
        ended: false,
        layout: new Layout(),
        laid: 0,
        added: 0,
        pos: null, // replay position (events shown), null while showing all
        selected: -1,
        summaries: new Map(),
      };
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
      const p = r.pos === null ? n : r.pos;
      if (!live) {
        firstBtn.disabled = backBtn.disabled = p === 0;
        fwdBtn.disabled = lastBtn.disabled = p >= n;
      }
      const st = replayState(r.events, p);
      let text = live ? plural(n, "event", "events") : `event ${p} of ${n}`;
      if (!live && st.last) {
        const b = new StreamBook();
        for (let i = 0; i < p; i++) b.note(r.events[i]);
        text += ` \u00b7 ${F.formatMillis(st.last.t)} \u00b7 ${eventText(st.last, b)}`;
      }
      text += ` \u00b7 so far ${sizeText(st.sent)} sent, ${sizeText(st.received)} received`;
      if (r.notKept > 0) text += ` \u00b7 ${plural(r.notKept, "later event", "later events")} counted but not kept`;
      pos.textContent = text;
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
      const n = r.events.length;
      p = Math.max(0, Math.min(n, p));
      r.pos = p === n ? null : p;
      const l = layoutEvents(r.events, { summaries: r.summaries }, p);
      diagram.draw(l, null);
      bytes.upTo(r.pos);
      if (r.selected >= 0) mark(r.selected, false);
      r.selected = -1;
      if (p > 0) select(p - 1, "replay");
      showPos();
    }

    firstBtn.addEventListener("click", () => seek(0));
    backBtn.addEventListener("click", () => seek((run.pos === null ? run.events.length : run.pos) - 1));
    fwdBtn.addEventListener("click", () => seek((run.pos === null ? run.events.length : run.pos) + 1));
    lastBtn.addEventListener("click", () => seek(run.events.length));

    function body() {
      return exportJSON(run.events);
    }

    jsonBtn.addEventListener("click", () => {
      download(new Blob([body()], { type: "application/json" }), "run.json");
      msg.textContent = "saved run.json";
      msg.className = "msg";
    });

    pcapBtn.addEventListener("click", async () => {
      const me = run.id;
      msg.className = "msg";
      msg.textContent = "making run.pcapng\u2026";
      pcapBtn.disabled = true;
      let text;
      let failed = true;
      try {
        const resp = await fetch("/api/export.pcapng", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: body(),
        });
        if (resp.ok) {
          const blob = await resp.blob();
          if (me !== run.id) return;
          download(new Blob([blob], { type: "application/vnd.tcpdump.pcap" }), "run.pcapng");
          text = `saved run.pcapng (${sizeText(blob.size)}): open it in Wireshark or with tshark -r run.pcapng`;
          failed = false;
        } else {
          const why = (await resp.text().catch(() => "")).trim().split("\n")[0];
          text = resp.status === 404
            ? "this gateway cannot make pcapng files (it answered 404); Download JSON still works"
            : `could not make the pcapng file: the gateway answered ${resp.status}${why ? ": " + why : ""}`;
        }
      } catch (err) {
        text = `could not make the pcapng file: ${err.message || err}; is the gateway still running?`;
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
        const resp = await fetch("/api/annotate", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ events: r.events }),
        });
        if (resp.status === 404) return;
        if (!resp.ok) throw new Error(`the gateway answered ${resp.status}`);
        answer = await resp.json();
      } catch (err) {
        if (r !== run) return;
        msg.className = "msg";
        msg.textContent = `no annotations: ${err.message || err}`;
        return;
      }
      if (r !== run || !answer || !Array.isArray(answer.messages)) return;
      const res = resolveAnnotations(r.events, answer.messages);
      r.summaries = res.summaries;
      bytes.annotate(res.byEvent);
      const p = r.pos === null ? r.events.length : r.pos;
      r.layout = layoutEvents(r.events, { summaries: r.summaries }, r.events.length);
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
      delete cell.dataset.annotated;
      contBtn.hidden = !run.step;
      flush();
    }

    function add(ev) {
      if (!ev || typeof ev !== "object" || !run || run.ended) return;
      const r = run;
      const n = sizeOf(ev);
      if (ev.kind === "send" || ev.kind === "sendto") r.sent += n;
      if (ev.kind === "recv" || ev.kind === "recvfrom") r.received += n;
      if (r.events.length >= LIMITS.events) {
        r.notKept++;
      } else {
        const c = cleanEvent(ev);
        if (c.data !== undefined) {
          const k = keepData(c.data, c.n, r.kept);
          // A cut prefix is copied: a slice would keep the whole payload in memory.
          c.data = k.cut > 0 ? JSON.parse(JSON.stringify(k.data)) : k.data;
          if (typeof c.n !== "number") c.n = n;
          r.kept += k.bytes;
        }
        r.events.push(c);
      }
      schedule();
    }

    function pause(about) {
      if (!run) return stepText(about);
      run.paused = about && typeof about === "object" ? about : {};
      schedule();
      return stepText(about);
    }

    function state(s) {
      const paused = s === "paused";
      const busy = s === "compiling" || s === "running";
      stepBtn.disabled = busy;
      stepBtn.title = paused ? "Do this one operation, then pause again" : "Run the program one socket operation at a time";
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
    return { reset, add, pause, state, end, select };
  }

  return {
    LIMITS,
    sizeText,
    b64len,
    b64prefix,
    keepData,
    cleanEvent,
    shortLabel,
    StreamBook,
    eventText,
    stepText,
    Layout,
    layoutEvents,
    replayState,
    resolveAnnotations,
    markRow,
    exportJSON,
    attach,
  };
});
