// memfs.js is the file system of one run in the page: in memory, small, and telling the
// page what the program wrote. worker-fs.js puts it behind the fs that Go's wasm_exec.js
// calls; it has no DOM and no worker globals, so node --test checks it
// (static/test/memfs.test.js).
//
// Paths work as on Linux: absolute, or relative to the working directory (/home/learner at
// the start), with . and ..; errors carry Linux's codes (ENOENT, EEXIST, EISDIR, ENOTDIR,
// ENOTEMPTY, EBADF, ENOSPC), which the Go runtime turns into its syscall.Errno values.

export function fail(code, what) {
  const err = new Error(`${code}: ${what}`);
  err.code = code;
  return err;
}

// FS_LIMITS bound what one run may keep in files: bytes in all, and files and directories.
export const FS_LIMITS = Object.freeze({ bytes: 4 << 20, nodes: 256 });
export const HOME = "/home/learner";

// The open flags the Go runtime translates its own to (syscall/fs_js.go); Linux's values.
export const O = { O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024, O_DIRECTORY: 65536 };
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

// makeFS builds an empty file system with /home/learner and /tmp; post receives what the page
// is told. It is exported for the tests; the worker has one, below.
export function makeFS(post, limits = FS_LIMITS) {
  let ino = 1;
  let used = 0; // bytes in files
  let nodes = 0;
  let told = false; // the page heard of a full disk
  const now = () => Date.now();
  const node = (dir, mode) => {
    const t = now();
    return { ino: ino++, dir, mode, data: new Uint8Array(0), size: 0, entries: dir ? new Map() : null, atime: t, mtime: t, ctime: t };
  };
  const root = node(true, 0o755);
  let cwd = HOME;
  const fds = new Map(); // fd → {node, path, flags, pos, written}
  let nextFD = 3;

  function full(what) {
    if (!told) {
      told = true;
      post({ type: "fs-full", bytes: limits.bytes, files: limits.nodes });
    }
    return fail("ENOSPC", what);
  }

  // resolve turns a path into its parts, from the root, with . and .. taken out.
  function parts(path) {
    const abs = String(path).startsWith("/") ? String(path) : cwd + "/" + path;
    const out = [];
    for (const p of abs.split("/")) {
      if (p === "" || p === ".") continue;
      if (p === "..") out.pop();
      else out.push(p);
    }
    return out;
  }
  const join = (ps) => "/" + ps.join("/");

  // walk finds the node at parts ps, or throws ENOENT or ENOTDIR.
  function walk(ps, path) {
    let n = root;
    for (const p of ps) {
      if (!n.dir) throw fail("ENOTDIR", path);
      n = n.entries.get(p);
      if (!n) throw fail("ENOENT", path);
    }
    return n;
  }

  // parent finds the directory that holds the last part of ps.
  function parent(ps, path) {
    if (ps.length === 0) throw fail("EEXIST", path);
    const d = walk(ps.slice(0, -1), path);
    if (!d.dir) throw fail("ENOTDIR", path);
    return d;
  }

  function add(ps, path, dir, mode) {
    const d = parent(ps, path);
    if (d.entries.has(ps[ps.length - 1])) throw fail("EEXIST", path);
    if (nodes >= limits.nodes) throw full(path);
    const n = node(dir, mode);
    d.entries.set(ps[ps.length - 1], n);
    d.mtime = now();
    nodes++;
    return n;
  }

  // resize makes a file size bytes long, within the limit.
  function resize(n, size, path) {
    if (size > n.size && used + (size - n.size) > limits.bytes) throw full(path);
    if (size > n.data.length) {
      const grown = new Uint8Array(Math.min(Math.max(size, n.data.length * 2, 256), limits.bytes));
      grown.set(n.data.subarray(0, n.size));
      n.data = grown;
    } else if (size < n.size) {
      n.data.fill(0, size, n.size);
    }
    used += size - n.size;
    n.size = size;
    n.mtime = n.ctime = now();
  }

  // tell sends the page a file's contents, named from the working directory when it is there.
  function shown(path) {
    return path.startsWith(HOME + "/") ? path.slice(HOME.length + 1) : path;
  }
  function tell(path, n) {
    post({ type: "file", path: shown(path), data: n.data.slice(0, n.size) });
  }
  // each calls f(path, node) for every file at or under path.
  function each(path, n, f) {
    if (!n.dir) {
      f(path, n);
      return;
    }
    for (const [name, c] of n.entries) each(path + "/" + name, c, f);
  }

  function stat(n) {
    return {
      dev: 1, ino: n.ino, mode: (n.dir ? S_IFDIR : S_IFREG) | n.mode, nlink: 1, uid: 1000, gid: 1000, rdev: 0,
      size: n.dir ? 4096 : n.size, blksize: 4096, blocks: Math.ceil(n.size / 512),
      atimeMs: n.atime, mtimeMs: n.mtime, ctimeMs: n.ctime,
      isDirectory: () => n.dir,
    };
  }

  function file(fd) {
    const f = fds.get(fd);
    if (!f) throw fail("EBADF", `descriptor ${fd}`);
    return f;
  }

  const api = {
    open(path, flags, mode) {
      const ps = parts(path);
      const name = join(ps);
      const writing = (flags & (O.O_WRONLY | O.O_RDWR)) !== 0;
      let n;
      try {
        n = walk(ps, path);
        if ((flags & O.O_CREAT) && (flags & O.O_EXCL)) throw fail("EEXIST", path);
      } catch (err) {
        if (err.code !== "ENOENT" || !(flags & O.O_CREAT)) throw err;
        n = add(ps, path, false, (mode ?? 0o666) & 0o777);
      }
      if (n.dir && writing) throw fail("EISDIR", path);
      if (!n.dir && (flags & O.O_DIRECTORY)) throw fail("ENOTDIR", path);
      const f = { node: n, path: name, flags, pos: 0, written: false };
      if (writing && (flags & O.O_TRUNC) && n.size > 0) {
        resize(n, 0, path);
        f.written = true;
      }
      if (flags & O.O_CREAT) f.written = true;
      const fd = nextFD++;
      fds.set(fd, f);
      return fd;
    },
    close(fd) {
      const f = file(fd);
      fds.delete(fd);
      if (f.written && !f.node.dir && walkOr(f.path) === f.node) tell(f.path, f.node);
    },
    read(fd, buffer, offset, length, position) {
      const f = file(fd);
      if (f.node.dir) throw fail("EISDIR", f.path);
      if ((f.flags & 3) === O.O_WRONLY) throw fail("EBADF", f.path);
      const at = position ?? f.pos;
      const n = Math.max(0, Math.min(length, f.node.size - at));
      buffer.set(f.node.data.subarray(at, at + n), offset);
      if (position === null || position === undefined) f.pos += n;
      f.node.atime = now();
      return n;
    },
    write(fd, buffer, offset, length, position) {
      const f = file(fd);
      if ((f.flags & 3) === 0) throw fail("EBADF", f.path);
      const n = f.node;
      let at = position ?? f.pos;
      if (f.flags & O.O_APPEND) at = n.size;
      // Like a disk that fills up: what fits is written, and a write of which nothing fits
      // fails with ENOSPC.
      const room = limits.bytes - used + Math.max(0, n.size - at);
      const count = Math.min(length, Math.max(0, room));
      if (count === 0 && length > 0) throw full(f.path);
      if (at + count > n.size) resize(n, at + count, f.path);
      n.data.set(buffer.subarray(offset, offset + count), at);
      n.mtime = now();
      f.written = true;
      if (position === null || position === undefined) f.pos = at + count;
      return count;
    },
    fstat(fd) {
      return stat(file(fd).node);
    },
    stat(path) {
      return stat(walk(parts(path), path));
    },
    lstat(path) {
      return stat(walk(parts(path), path));
    },
    readdir(path) {
      const n = walk(parts(path), path);
      if (!n.dir) throw fail("ENOTDIR", path);
      return Array.from(n.entries.keys());
    },
    mkdir(path, perm) {
      add(parts(path), path, true, (perm ?? 0o777) & 0o777);
    },
    rmdir(path) {
      const ps = parts(path);
      const n = walk(ps, path);
      if (!n.dir) throw fail("ENOTDIR", path);
      if (n.entries.size > 0) throw fail("ENOTEMPTY", path);
      if (ps.length === 0) throw fail("EBUSY", path);
      parent(ps, path).entries.delete(ps[ps.length - 1]);
      nodes--;
    },
    unlink(path) {
      const ps = parts(path);
      const n = walk(ps, path);
      if (n.dir) throw fail("EISDIR", path);
      parent(ps, path).entries.delete(ps[ps.length - 1]);
      nodes--;
      used -= n.size;
      post({ type: "file-removed", path: shown(join(ps)) });
    },
    rename(from, to) {
      const fp = parts(from);
      const tp = parts(to);
      const n = walk(fp, from);
      const td = parent(tp, to);
      const old = td.entries.get(tp[tp.length - 1]);
      if (old === n) return;
      if (join(tp).startsWith(join(fp) + "/")) throw fail("EINVAL", to);
      if (old) {
        if (old.dir && !n.dir) throw fail("EISDIR", to);
        if (!old.dir && n.dir) throw fail("ENOTDIR", to);
        if (old.dir && old.entries.size > 0) throw fail("ENOTEMPTY", to);
        if (!old.dir) used -= old.size;
        nodes--;
        each(join(tp), old, (p) => post({ type: "file-removed", path: shown(p) }));
      }
      each(join(fp), n, (p) => post({ type: "file-removed", path: shown(p) }));
      parent(fp, from).entries.delete(fp[fp.length - 1]);
      td.entries.set(tp[tp.length - 1], n);
      for (const f of fds.values()) {
        if (f.path === join(fp)) f.path = join(tp);
      }
      each(join(tp), n, (p, c) => tell(p, c));
    },
    truncate(path, length) {
      const n = walk(parts(path), path);
      if (n.dir) throw fail("EISDIR", path);
      resize(n, Number(length), path);
      tell(join(parts(path)), n);
    },
    ftruncate(fd, length) {
      const f = file(fd);
      if (f.node.dir) throw fail("EISDIR", f.path);
      resize(f.node, Number(length), f.path);
      f.written = true;
    },
    chmod(path, mode) {
      walk(parts(path), path).mode = mode & 0o777;
    },
    fchmod(fd, mode) {
      file(fd).node.mode = mode & 0o777;
    },
    utimes(path, atime, mtime) {
      const n = walk(parts(path), path);
      n.atime = Number(atime) * 1000;
      n.mtime = Number(mtime) * 1000;
    },
    cwd() {
      return cwd;
    },
    chdir(path) {
      const ps = parts(path);
      const n = walk(ps, path);
      if (!n.dir) throw fail("ENOTDIR", path);
      cwd = join(ps);
    },
    // files lists every file: [{path, size}], named as the page names them.
    files() {
      const out = [];
      each("", root, (p, n) => out.push({ path: shown(p), size: n.size }));
      return out;
    },
    // flush tells the page of the files still open for writing (the program is ending).
    flush() {
      for (const f of fds.values()) {
        if (f.written && !f.node.dir && walkOr(f.path) === f.node) tell(f.path, f.node);
      }
    },
  };
  function walkOr(path) {
    try {
      return walk(parts(path), path);
    } catch (e) {
      return null;
    }
  }
  api.mkdir("/home", 0o755);
  api.mkdir(HOME, 0o755);
  api.mkdir("/tmp", 0o777);
  return api;
}

