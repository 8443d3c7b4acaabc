// Share links: a cell's code, arguments and standard input packed into the URL's fragment,
// so that the link needs nothing kept on the gateway (it works after a restart, and on any
// gateway with the same lessons) and the program never reaches a server's logs: browsers do
// not send the fragment.
//
//   /lessons/SLUG#share=1.CELL.DATA
//
// CELL is the cell's id (data-cell), DATA the JSON {c: code, a: arguments, i: stdin}
// compressed with deflate-raw (CompressionStream) and written in base64url without padding.
// Version 0 is the same JSON uncompressed, for a browser without CompressionStream.
//
// Pure helpers, no DOM: node --test static/test/ checks them.

import { t } from "./i18n.js";

export const PREFIX = "#share=";

// linkError is what is wrong with a link, in the page's words.
function linkError(key, vars) {
  const e = new Error(t(key, vars));
  e.link = true;
  return e;
}

// The most a link may unpack to: a program is a few kilobytes, and a link is not allowed to
// make the page inflate a bomb.
export const MAX_UNPACKED = 1 << 20;

// validCell is the shape of a cell id (lessons: SLUG-NAME or SLUG-N; embedded cells: the
// author's id, such as "server", or the cell's number on the page).
const validCell = /^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$/;

export function toBase64URL(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64URL(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw linkError("share.bad-chars");
  if (text.length % 4 === 1) throw linkError("share.cut-data");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  let bin;
  try {
    bin = atob(b64);
  } catch (e) {
    throw linkError("share.not-base");
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// pump pushes bytes through a (de)compression stream and collects what comes out, giving up
// past max bytes.
async function pump(stream, bytes, max) {
  const writer = stream.writable.getWriter();
  const written = writer.write(bytes).then(() => writer.close()).catch(() => {});
  const reader = stream.readable.getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      reader.cancel().catch(() => {});
      throw linkError("share.too-big", { max });
    }
    parts.push(value);
  }
  await written;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// encodeShare packs {code, args, stdin} for the cell into a fragment: "#share=1.CELL.DATA".
export async function encodeShare(cell, { code, args, stdin }) {
  if (!validCell.test(cell)) throw linkError("share.bad-id", { cell });
  const json = new TextEncoder().encode(JSON.stringify({ c: String(code ?? ""), a: String(args ?? ""), i: String(stdin ?? "") }));
  if (typeof CompressionStream !== "function") return `${PREFIX}0.${cell}.${toBase64URL(json)}`;
  const packed = await pump(new CompressionStream("deflate-raw"), json, Infinity);
  return `${PREFIX}1.${cell}.${toBase64URL(packed)}`;
}

// isShare says whether a fragment is a share link's.
export function isShare(hash) {
  return typeof hash === "string" && hash.startsWith(PREFIX);
}

// decodeShare reads a fragment made by encodeShare: it resolves to {cell, code, args, stdin}
// or rejects with an Error that says what is wrong with the link.
export async function decodeShare(hash) {
  if (!isShare(hash)) throw linkError("share.not-share");
  const parts = hash.slice(PREFIX.length).split(".");
  if (parts.length !== 3) throw linkError("share.parts");
  const [version, cell, data] = parts;
  if (!validCell.test(cell)) throw linkError("share.no-cell", { cell: cell.slice(0, 40) });
  let bytes = fromBase64URL(data);
  if (version === "1") {
    if (typeof DecompressionStream !== "function") throw linkError("share.no-unpack");
    try {
      bytes = await pump(new DecompressionStream("deflate-raw"), bytes, MAX_UNPACKED);
    } catch (e) {
      throw e.link ? e : linkError("share.not-unpacked");
    }
  } else if (version !== "0") {
    throw linkError("share.version", { version: version.slice(0, 10) });
  } else if (bytes.length > MAX_UNPACKED) {
    throw linkError("share.too-big", { max: MAX_UNPACKED });
  }
  let v;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw linkError("share.not-share-data");
  }
  if (!v || typeof v !== "object" || typeof v.c !== "string" || typeof (v.a ?? "") !== "string" || typeof (v.i ?? "") !== "string") {
    throw linkError("share.not-share-data");
  }
  return { cell, code: v.c, args: v.a ?? "", stdin: v.i ?? "" };
}
