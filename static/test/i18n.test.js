// Every page string goes through the table in i18n.js: each key a script uses with t() (a
// quoted key with one of the tables' prefixes on a line that calls t) is in
// both languages, with the same {placeholders}, and the two tables have the same keys.
// Run: node --test static/test/
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { tables, t, setLang, pageLang } from "../i18n.js";

const dir = new URL("../", import.meta.url);
const scripts = fs.readdirSync(dir).filter((f) => f.endsWith(".js"));

function used() {
  const keys = new Map(); // key → "file:line"
  for (const f of scripts) {
    const lines = fs.readFileSync(new URL(f, dir), "utf8").split("\n");
    lines.forEach((line, i) => {
      // t("key", ...) and keys chosen before the call: t(n === 1 ? "key-one" : "key"); share.js
      // passes its keys through linkError.
      if (!/\b(t|linkError)\(/.test(line)) return;
      for (const m of line.matchAll(/"((?:run|ex|wire|wv|wm|st|keep|files|progress|ed|teacher|class|embed|share|py|cell)\.[a-z-]+)"/g)) {
        if (!keys.has(m[1])) keys.set(m[1], `static/${f}:${i + 1}`);
      }
    });
  }
  return keys;
}

const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("every key used through t() is in the English and the Chinese table", () => {
  const keys = used();
  assert.ok(keys.size > 60, `only ${keys.size} keys found in the scripts`);
  for (const [key, where] of keys) {
    assert.ok(key in tables.en, `${where}: t("${key}") has no English entry in static/i18n.js`);
    assert.ok(key in tables.zh, `${where}: t("${key}") has no Chinese entry in static/i18n.js`);
  }
  for (const key of Object.keys(tables.en)) {
    assert.ok(keys.has(key), `static/i18n.js: "${key}" is used by no script; remove it`);
  }
});

test("both tables have the same keys and placeholders, and the Chinese is Chinese", () => {
  assert.deepEqual(Object.keys(tables.zh).sort(), Object.keys(tables.en).sort());
  for (const [key, en] of Object.entries(tables.en)) {
    const zh = tables.zh[key];
    assert.deepEqual(holes(zh), holes(en), `"${key}": placeholders differ: ${JSON.stringify(en)} / ${JSON.stringify(zh)}`);
    if (/[a-z]{3}/i.test(en.replace(/\{\w+\}|run\.json|run\.pcapng|pcapng|JSON|Wireshark|tshark|Ctrl-D|Worker|RST|FIN/g, ""))) {
      assert.match(zh, /[\u4e00-\u9fff]/, `"${key}": the Chinese entry has no Chinese: ${zh}`);
    }
  }
});

test("t fills placeholders and follows the chosen language", () => {
  setLang("zh");
  assert.equal(t("wire.sent", { n: 4, peer: "time.lab:37" }), "向 time.lab:37 发送了 4 字节");
  assert.equal(t("no.such.key"), "no.such.key");
  setLang("en");
  assert.equal(t("wire.sent", { n: 4, peer: "time.lab:37" }), "sent 4 bytes to time.lab:37");
  assert.equal(pageLang({ documentElement: { lang: "zh-CN" } }), "zh");
  assert.equal(pageLang({ documentElement: { lang: "en" } }), "en");
  assert.equal(pageLang(undefined), "en");
});

// Words a script may hold outside the tables, and why: they never reach the page.
const notForThePage = new Map([
  ["use strict", "a directive"],
  ["socketlab: ", "the name of the program that says it, before an author's mistake"],
  ["JSON", "the name of a file format"],
  ["pcapng", "the name of a file format"],
  ["the program exited", "the close reason the worker sends the gateway"],
  ["the WebSocket closed", "an error the Go runtime reads, as a program's own error text stays as printed"],
]);

// worker-fs.js answers the Go program's file system calls: its words are errors the program
// prints as it would print the system's (lessons explain them), not the page's.
const exempt = new Set(["i18n.js", "worker-fs.js"]);

// selectorLike: "table.roster tbody", "pre[data-socketlab], socketlab-cell".
const selTok = /^([a-z][\w-]*)?([.#][\w-]+|\[[^\]]*\]|::?[\w-]+(\([^)]*\))?)*$/;
function selectorLike(s) {
  const toks = s.trim().split(/[\s,>+~]+/).filter(Boolean);
  return toks.length > 0 && toks.every((x) => selTok.test(x)) && toks.some((x) => /[.#[:]/.test(x));
}

// bareWords finds words for people written straight into a script instead of through t():
// a string with two English words in a row, or any English word put where the page shows it
// (an element's text, a title, a label).
export function bareWords(file, src) {
  const found = [];
  let inConsole = 0;
  src.split("\n").forEach((line, i) => {
    const code = line.replace(/^\s*\/\/.*$/, "").replace(/\s\/\/ .*$/, "");
    if (/console\.(error|warn|log|info)\(/.test(code)) inConsole = 1;
    if (inConsole) {
      if (/\);\s*$/.test(code)) inConsole = 0;
      return;
    }
    for (const m of code.matchAll(/"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`|'((?:[^'\\]|\\.)*)'/g)) {
      const raw = m[1] ?? m[2] ?? m[3];
      const s = raw.replace(/\$\{[^}]*\}/g, "0");
      if (notForThePage.has(s) || selectorLike(s)) continue;
      const before = code.slice(0, m.index);
      if (/(\b(el|svg)\(\s*"[^"]*",\s*|class:\s*[^,}]*|className\s*=\s*[^;]*|classList\.\w+\(\s*)$/.test(before)) continue;
      const shown = /(\bel\(\s*"[^"]*",\s*"[^"]*",\s*|\.(textContent|title|placeholder)\s*=\s*|setAttribute\(\s*"(aria-label|title|placeholder)",\s*)$/.test(before);
      if (/[A-Za-z]{2,} [A-Za-z]{2,}/.test(s) || (shown && /[A-Za-z]{2,}/.test(s))) found.push(`static/${file}:${i + 1}: ${JSON.stringify(raw.slice(0, 80))}`);
    }
  });
  return found;
}

test("every script's words for people go through t(), so each has its Chinese", () => {
  const found = [];
  for (const f of scripts) {
    if (exempt.has(f) || f.startsWith("codemirror")) continue;
    found.push(...bareWords(f, fs.readFileSync(new URL(f, dir), "utf8")));
  }
  assert.deepEqual(found, [], "words for people outside static/i18n.js: give each a key in both tables and write t(\"key\")");
});

test("bareWords catches words written into a script", () => {
  const src = [
    'b.textContent = "Run";',
    'const p = el("p", "note", `From your teacher, ${when}`);',
    'throw new Error("the link is cut short");',
    'const row = el("td", "name", r.name);',
    'document.querySelector("table.roster tbody");',
    'const g = svg("g", { class: i === 0 ? "lane program" : "lane" });',
    'console.error("socketlab: could not load " + main +',
    '  " (does this page allow it?)");',
    'x.title = t("keep.share-title");',
  ].join("\n");
  assert.deepEqual(bareWords("x.js", src).map((w) => w.split(":")[1]), ["1", "2", "3"]);
});
