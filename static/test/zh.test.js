// The words the scripts write, in Chinese: the step results, the lab's faults on the bytes
// panel, the diagram, the teacher's view, the embed's verdict and a share link's errors.
// Run: node --test static/test/ (each file in a process of its own, so the language set here
// stays here).
import test from "node:test";
import assert from "node:assert/strict";
import { setLang, language } from "../i18n.js";
import * as W from "../wire-model.js";
import { runText } from "../teacher.js";
import { verdict } from "../embed-read.js";
import { decodeShare } from "../share.js";

setLang("zh-CN");
const b64 = (s) => Buffer.from(s, "latin1").toString("base64");

test("setLang reads a lang tag", () => {
  assert.equal(language(), "zh");
});

test("a stepped read's result in Chinese, from the event and not the runtime's English", () => {
  const cases = [
    [{ kind: "recv", addr: "time.lab:37", n: 4, data: b64("\xec\xc2\x0a\x80"), text: "the read returned 4 bytes from time.lab:37" },
      "读取返回了 4 字节，来自 time.lab:37：ec c2 0a 80"],
    [{ kind: "recv", addr: "time.lab:37", n: 0, text: "the read returned EOF: time.lab:37 has finished sending" },
      "读取返回 EOF：time.lab:37 已结束发送"],
    [{ kind: "recv", addr: "web.lab:80", n: 0, error: "connection reset by peer", text: "the read failed: connection reset by peer" },
      "读取失败：connection reset by peer"],
    [{ kind: "recvfrom", addr: "time.lab:37", n: 2, data: b64("hi"), text: "received a 2-byte datagram from time.lab:37" },
      '收到来自 time.lab:37 的一个 2 字节的数据报："hi"'],
    [{ kind: "accept", remote: "10.10.1.2:40000", text: "accepted a connection from 10.10.1.2:40000" }, "接受了来自 10.10.1.2:40000 的连接"],
    [undefined, "操作已返回"],
  ];
  for (const [r, want] of cases) assert.equal(W.stepResult(r), want);
});

test("the lab's faults and the diagram in Chinese", () => {
  assert.equal(W.faultText({ fault: "segment=1" }), "被实验网络拆成了 1 字节的报文段");
  assert.equal(W.faultText({ fault: "loss" }), "被实验网络丢弃");
  assert.equal(W.sizeText(4), "4 字节");
  const l = W.layoutEvents([
    { stream: 3, kind: "dial", addr: "time.lab:37" },
    { stream: 3, kind: "connected", addr: "time.lab:37" },
    { stream: 3, kind: "close", addr: "time.lab:37" },
  ]);
  assert.deepEqual(l.lanes[0], { key: "program", name: "你的程序", sub: "本单元" });
  assert.deepEqual(l.items.map((i) => i.label), ["连接", "已连接", "关闭"]);
});

test("the teacher's view words a run in Chinese", () => {
  assert.equal(runText(null), "还没有运行过");
  assert.equal(runText({ state: "exited", exit: 0 }), "已退出，退出状态 0");
  assert.equal(runText({ state: "compile-error", error: "x.go:3: undefined: y" }), "编译错误：x.go:3: undefined: y");
  assert.equal(runText({ state: "toString" }), "toString");
});

test("an embedded cell's verdict in Chinese", () => {
  const spec = { output: "hi", exit: 0, exitGiven: false };
  assert.deepEqual(verdict(spec, { state: "exited", output: "hi\n", exit: 0 }), { text: "与预期相符：输出和退出状态都一样。", cls: "ok" });
  assert.equal(verdict(spec, { state: "exited", output: "ho\n", exit: 2 }).text, "与预期不符：它的退出状态是 2，这个单元预期的是 0；它的输出和预期输出不同。");
});

test("a share link's errors in Chinese", async () => {
  await assert.rejects(decodeShare("#share=1.c-1"), { message: "链接不完整或者多出了部分（应为 #share=版本.单元.数据）" });
  await assert.rejects(decodeShare("#share=9.c-1.AAAA"), { message: "链接的版本是 9，这个页面读不了" });
});
