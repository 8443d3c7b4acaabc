// python-ring.js is the channel between a Python cell's two workers and the page: rings of
// messages in one SharedArrayBuffer (docs/python.md). The Python worker blocks on it with
// Atomics.wait; the network worker never blocks and waits with Atomics.waitAsync.
//
//   out    frames from the program to the gateway (Python writes, the network worker reads)
//   in     frames from the gateway to the program (the network worker writes, Python reads)
//   stdin  what the learner types (the page writes, Python reads)
//
// A ring holds messages, each a 4-byte length (little-endian) and its bytes, wrapping at the
// ring's end. Its head and tail are byte counts that only grow (modulo 2^32), kept in Int32
// cells; a ring's size is a power of two, so (tail - head) | 0 is what it holds. Each ring
// also has a sequence cell that changes on every write, read or change of state; a waiter
// reads it first, looks, and then waits only while it has not changed, so no wake-up is lost.
import { t } from "./i18n.js";

// Cells of the control array (Int32Array over the buffer's first bytes).
export const C = {
  OUT_HEAD: 0, OUT_TAIL: 1, OUT_SEQ: 2,
  IN_HEAD: 3, IN_TAIL: 4, IN_SEQ: 5,
  STDIN_HEAD: 6, STDIN_TAIL: 7, STDIN_SEQ: 8, STDIN_EOF: 9,
  NET: 10, // the WebSocket: 0 connecting, 1 open, 2 closed
  CLOSING: 11, // the program has ended: send what is left, then close
  DONE: 12, // the network worker has closed the WebSocket
  REASON_LEN: 13, // bytes of the close reason (REASON area)
  SLEEP: 14, // never written: time.sleep waits on it
};
const CONTROL = 64; // bytes of control cells
const REASON = 256; // bytes for the WebSocket's close reason
export const SIZES = { out: 1 << 20, in: 1 << 20, stdin: 1 << 16 };

// layout gives each area's byte offset in the buffer, and the buffer's size.
function layout(sizes) {
  const reason = CONTROL;
  const out = reason + REASON;
  const inn = out + sizes.out;
  const stdin = inn + sizes.in;
  return { reason, out, in: inn, stdin, total: stdin + sizes.stdin };
}

// makeBuffer makes the shared memory of one run.
export function makeBuffer(sizes = SIZES) {
  const l = layout(sizes);
  const sab = new SharedArrayBuffer(l.total);
  new Int32Array(sab, 0, 2)[0] = 0;
  return { sab, sizes };
}

export class Ring {
  constructor(ctrl, data, head, tail, seq) {
    this.ctrl = ctrl;
    this.data = data;
    this.size = data.length;
    this.head = head;
    this.tail = tail;
    this.seq = seq;
  }

  used() {
    return (Atomics.load(this.ctrl, this.tail) - Atomics.load(this.ctrl, this.head)) | 0;
  }

  // fits says whether a message of n bytes could be written now.
  fits(n) {
    return this.size - this.used() >= n + 4;
  }

  copyIn(pos, bytes) {
    const i = pos & (this.size - 1);
    const first = Math.min(bytes.length, this.size - i);
    this.data.set(bytes.subarray(0, first), i);
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0);
  }

  copyOut(pos, into) {
    const i = pos & (this.size - 1);
    const first = Math.min(into.length, this.size - i);
    into.set(this.data.subarray(i, i + first), 0);
    if (first < into.length) into.set(this.data.subarray(0, into.length - first), first);
  }

  // push writes one message, or returns false when it does not fit now.
  push(bytes) {
    if (bytes.length + 4 > this.size) throw new RangeError(t("py.too-big", { n: bytes.length }));
    if (!this.fits(bytes.length)) return false;
    const tail = Atomics.load(this.ctrl, this.tail);
    const n = bytes.length;
    this.copyIn(tail, new Uint8Array([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24]));
    this.copyIn((tail + 4) | 0, bytes);
    Atomics.store(this.ctrl, this.tail, (tail + 4 + n) | 0);
    this.bump();
    return true;
  }

  // pop takes the next message (a new Uint8Array), or null when there is none.
  pop() {
    const head = Atomics.load(this.ctrl, this.head);
    if (((Atomics.load(this.ctrl, this.tail) - head) | 0) === 0) return null;
    const len = new Uint8Array(4);
    this.copyOut(head, len);
    const n = len[0] | (len[1] << 8) | (len[2] << 16) | (len[3] << 24);
    const out = new Uint8Array(n);
    this.copyOut((head + 4) | 0, out);
    Atomics.store(this.ctrl, this.head, (head + 4 + n) | 0);
    this.bump();
    return out;
  }

  bump() {
    Atomics.add(this.ctrl, this.seq, 1);
    Atomics.notify(this.ctrl, this.seq);
  }
}

// channel opens the rings of a buffer made by makeBuffer, in any of the three agents.
export function channel({ sab, sizes }) {
  const l = layout(sizes);
  const ctrl = new Int32Array(sab, 0, CONTROL / 4);
  const bytes = (off, n) => new Uint8Array(sab, off, n);
  return {
    ctrl,
    out: new Ring(ctrl, bytes(l.out, sizes.out), C.OUT_HEAD, C.OUT_TAIL, C.OUT_SEQ),
    in: new Ring(ctrl, bytes(l.in, sizes.in), C.IN_HEAD, C.IN_TAIL, C.IN_SEQ),
    stdin: new Ring(ctrl, bytes(l.stdin, sizes.stdin), C.STDIN_HEAD, C.STDIN_TAIL, C.STDIN_SEQ),
    // The WebSocket's close reason, written once by the network worker before NET becomes 2.
    setReason(text) {
      const b = new TextEncoder().encode(text).subarray(0, REASON);
      bytes(l.reason, REASON).set(b);
      Atomics.store(ctrl, C.REASON_LEN, b.length);
    },
    reason() {
      const n = Atomics.load(ctrl, C.REASON_LEN);
      return new TextDecoder().decode(bytes(l.reason, REASON).slice(0, n));
    },
    // signal sets a cell and wakes whoever waits on a ring's sequence cell.
    signal(cell, value, seq) {
      Atomics.store(ctrl, cell, value);
      Atomics.add(ctrl, seq, 1);
      Atomics.notify(ctrl, seq);
    },
  };
}
