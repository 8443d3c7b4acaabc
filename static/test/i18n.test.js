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
      // t("key", ...) and keys chosen before the call: t(n === 1 ? "key-one" : "key").
      if (!/\bt\(/.test(line)) return;
      for (const m of line.matchAll(/"((?:run|ex|wire|wv|wm|st|keep|files|progress|cell|class)\.[a-z-]+)"/g)) {
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
