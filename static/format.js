// Pure helpers for the lesson page: argument splitting, byte dumps and the
// wording of socket events. No DOM here, so node --test can check them
// (static/test/format.test.js).

import { t } from "./i18n.js";

const SPACE = " \t\n\r\f\v";

// splitArgs splits a command line: words are separated by white space,
// and double quotes group text, spaces included, into one word ("" is an
// empty word). No escapes; an unclosed quote runs to the end. Go's
// lessons.splitArgs does the same (shared cases in test/args_cases.json).
export function splitArgs(s) {
  const args = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  for (const ch of String(s)) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && SPACE.includes(ch)) {
      if (inWord) {
        args.push(word);
        word = "";
        inWord = false;
      }
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) args.push(word);
  return args;
}

// printable shows one byte in the text column: CR and LF as visible
// symbols, other control and non-ASCII bytes as ".".
export function printable(b) {
  if (b === 0x0d) return "\u240d"; // ␍
  if (b === 0x0a) return "\u240a"; // ␊
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return ".";
}

function hex2(b) {
  return (b < 16 ? "0" : "") + b.toString(16);
}

// hexRows lays bytes out as a classic dump: per row the offset, the
// bytes in hex (an extra space after the eighth) and the same bytes as
// text. Short last rows are padded so the text column lines up.
export function hexRows(bytes, width = 16) {
  const rows = [];
  const offWidth = Math.max(4, (Math.max(bytes.length, 1) - 1).toString(16).length);
  for (let off = 0; off < bytes.length; off += width) {
    const hex = [];
    let text = "";
    for (let i = 0; i < width; i++) {
      const at = off + i;
      const cell = at < bytes.length ? hex2(bytes[at]) : "  ";
      hex.push(i === 8 ? " " + cell : cell);
      if (at < bytes.length) text += printable(bytes[at]);
    }
    rows.push({
      offset: off.toString(16).padStart(offWidth, "0"),
      hex: hex.join(" "),
      text,
    });
  }
  return rows;
}

// base64ToBytes decodes the data field of a send or recv event.
export function base64ToBytes(s) {
  if (!s) return new Uint8Array(0);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// dataHeader titles one send or recv block.
export function dataHeader(kind, n, peer) {
  if (kind === "send") return t(n === 1 ? "wire.sent-one" : "wire.sent", { n, peer });
  return t(n === 1 ? "wire.received-one" : "wire.received", { n, peer });
}

// eventLine says in a few words what a non-data socket event means.
export function eventLine(ev, peer) {
  switch (ev.kind) {
    case "lookup":
      if (ev.error) return t("wire.lookup-failed", { addr: ev.addr || peer, err: ev.error });
      return t("wire.lookup", { addr: ev.addr || peer });
    case "answer": {
      const addrs = Array.isArray(ev.addrs) && ev.addrs.length ? ev.addrs.join(", ") : ev.remote || t("wire.no-address");
      return t("wire.answer", { addr: ev.addr || peer, addrs });
    }
    case "dial":
      return t("wire.dial", { peer });
    case "connected":
      return t("wire.connected", { peer }) +
        (ev.remote && ev.remote !== peer ? t("wire.connected-remote", { remote: ev.remote }) : "") +
        (ev.local ? t("wire.connected-local", { local: ev.local }) : "") +
        (ev.micros ? t("wire.connected-in", { time: formatMillis(ev.micros / 1000) }) : "");
    case "fin-sent":
      return t("wire.fin-sent", { peer });
    case "fin-recv":
      return t("wire.fin-recv", { peer });
    case "close":
      return t("wire.close", { peer });
    case "reset":
      return t("wire.reset", { peer }) + (ev.error ? `: ${ev.error}` : "");
    case "reset-sent":
      return t("wire.reset-sent", { peer });
    case "error":
      return t("wire.error", { peer, err: ev.error || t("wire.unknown-error") });
    default:
      return `${ev.kind || "event"} ${peer}` + (ev.error ? `: ${ev.error}` : "");
  }
}

// formatDiagnostic prints a compiler message the way go build does.
export function formatDiagnostic(d) {
  const where = d.col ? `${d.line}:${d.col}` : `${d.line}`;
  return `main.go:${where}: ${d.msg}`;
}

// formatMillis shows an event's time since the run started.
export function formatMillis(t) {
  if (typeof t !== "number" || !isFinite(t)) return "";
  if (t < 10) return `${t.toFixed(1)} ms`;
  if (t < 10000) return `${Math.round(t)} ms`;
  return `${(t / 1000).toFixed(1)} s`;
}

// compileStatus is the Run button's status while a program is being built: its place in the
// compile queue when it waits there ({waiting, ahead, estimate_ms} from /api/build/queue),
// else the seconds it has been compiling.
export function compileStatus(place, seconds) {
  if (place && place.waiting) {
    const n = place.ahead | 0;
    const line = n === 0 ? t("run.queue-next") : n === 1 ? t("run.queue-one") : t("run.queue-many", { n });
    const s = Math.max(1, Math.ceil((place.estimate_ms || 0) / 1000));
    return t("run.queue", { line, s });
  }
  return seconds > 0 ? t("run.compiling-s", { s: seconds }) : t("run.compiling");
}
