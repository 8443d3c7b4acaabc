package lab

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"
)

// FTP, ftp.lab port 21 over TCP, served by ftpserverlib over an in-memory file tree.
//
// Logins:
//
//   - anonymous (or ftp), any password: read-only, starting in /.
//   - student, password socketlab: starting in /home/student, and may upload there.
//
// The tree holds /pub/README and /home/student/work with hello, hello.c, sample.txt,
// strip_hello and test.py (see content/ftp and helloELF). A student session writes into a
// private layer over the shared tree: its uploads, new directories and changed files are
// seen by that session only, last as long as it does, and may hold MaxUploadBytes in all
// (552 past that). No more than ftpTotalUpload bytes are held across all sessions.
//
// Data connections are passive only (PASV and EPSV); active mode (PORT, EPRT) is off, so
// the server never dials out. ftpserverlib opens each passive listener on every interface:
// the server accepts data connections from loopback peers only and closes the others at
// once. The PASV reply names Options.PassiveHost, 127.0.0.1 by default.
//
// One fix to what ftpserverlib sends: the entries of a "STAT <dir>" reply come out with a
// literal "%s" in front, which the control connection strips (see statFixConn).

// FTPStudentPassword is the password of ftp.lab's student login.
const FTPStudentPassword = "socketlab"

// ftpTotalUpload caps what all sessions together may hold in uploads.
const ftpTotalUpload = 64 << 20

// ftpMaxEntries caps the files and directories one session may create.
const ftpMaxEntries = 200

// ftpModTime is the time every file of the shared tree carries.
var ftpModTime = time.Date(2024, 9, 2, 9, 0, 0, 0, time.UTC)

var (
	errFTPReadOnly = errors.New("anonymous sessions are read-only: log in as student (password " + FTPStudentPassword + ") to upload")
	errFTPOutside  = errors.New("student may only change files under /home/student")
	errFTPNoTLS    = errors.New("ftp.lab has no TLS: use plain FTP")
)

// ftpServer is the lab's MainDriver for ftpserverlib, and a Server for Network.Add.
type ftpServer struct {
	n        *Network
	root     afero.Fs // the shared tree; only read after newFTPServer
	settings *ftpserver.Settings
	sessions tracker
	held     atomic.Int64 // upload bytes held by all sessions

	mu     sync.Mutex
	closed bool
	lns    map[net.Listener]struct{} // the control listener
	conns  map[net.Conn]struct{}     // control and data connections
	pasv   map[int]*net.TCPListener  // open passive listeners by port
}

func (n *Network) newFTPServer() (*ftpServer, error) {
	root := afero.NewMemMapFs()
	files := map[string][]byte{
		"/home/student/work/hello":       helloELF(true),
		"/home/student/work/strip_hello": helloELF(false),
	}
	err := fs.WalkDir(content, "content/ftp", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content, p)
		files[strings.TrimPrefix(p, "content/ftp")] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lab: ftp.lab: reading its files: %w", err)
	}
	for name, b := range files {
		mode := os.FileMode(0o644)
		if bytes.HasPrefix(b, []byte("\x7fELF")) || bytes.HasPrefix(b, []byte("#!")) {
			mode = 0o755
		}
		if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
			return nil, fmt.Errorf("lab: ftp.lab: %w", err)
		}
		if err := afero.WriteFile(root, name, b, mode); err != nil {
			return nil, fmt.Errorf("lab: ftp.lab: %w", err)
		}
	}
	afero.Walk(root, "/", func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			root.Chtimes(p, ftpModTime, ftpModTime)
		}
		return nil
	})
	return &ftpServer{
		n:     n,
		root:  afero.NewReadOnlyFs(root),
		lns:   make(map[net.Listener]struct{}),
		conns: make(map[net.Conn]struct{}),
		pasv:  make(map[int]*net.TCPListener),
	}, nil
}

// Serve runs ftpserverlib on l until Close. It serves one listener, once.
func (s *ftpServer) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed || s.settings != nil {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.lns[l] = struct{}{}
	secs := int(math.Ceil(s.n.idle.Seconds()))
	s.settings = &ftpserver.Settings{
		Listener:          &ftpListener{Listener: l, s: s},
		ListenAddr:        "ftp.lab port 21", // only shown in STAT
		Banner:            "ftp.lab, the socketlab FTP server",
		IdleTimeout:       max(secs, 1),
		ConnectionTimeout: min(max(secs, 1), 30),
		PublicIPResolver: func(cc ftpserver.ClientContext) (string, error) {
			return s.n.pasvHost(cc.RemoteAddr()), nil
		},
		DisableActiveMode:   true,
		DisableSite:         true,
		DisableMFMT:         true,
		DefaultTransferType: ftpserver.TransferTypeASCII,
	}
	s.mu.Unlock()

	srv := ftpserver.NewFtpServer(s)
	if err := srv.Listen(); err != nil {
		return err
	}
	err := srv.Serve() // nil once the listener is closed
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrServerClosed
	}
	return err
}

// Close stops accepting, closes every control and data connection and passive listener,
// and waits until every session has ended.
func (s *ftpServer) Close() error {
	s.mu.Lock()
	s.closed = true
	var toClose []io.Closer
	for l := range s.lns {
		toClose = append(toClose, l)
	}
	for c := range s.conns {
		toClose = append(toClose, c)
	}
	for _, l := range s.pasv {
		toClose = append(toClose, l)
	}
	s.mu.Unlock()
	for _, c := range toClose {
		c.Close()
	}
	s.sessions.Wait()
	return nil
}

// passiveOpen reports whether port is one of ftp.lab's open passive listeners.
func (s *ftpServer) passiveOpen(port int) bool {
	s.mu.Lock()
	l := s.pasv[port]
	s.mu.Unlock()
	return l != nil && listenerOpen(l)
}

// listenerOpen reports whether l has not been closed yet, without touching it.
func listenerOpen(l *net.TCPListener) bool {
	rc, err := l.SyscallConn()
	if err != nil {
		return false
	}
	return rc.Control(func(uintptr) {}) == nil
}

// GetSettings is part of ftpserver.MainDriver.
func (s *ftpServer) GetSettings() (*ftpserver.Settings, error) { return s.settings, nil }

// GetTLSConfig is part of ftpserver.MainDriver: ftp.lab has no TLS.
func (s *ftpServer) GetTLSConfig() (*tls.Config, error) { return nil, errFTPNoTLS }

// ClientConnected is part of ftpserver.MainDriver; it returns the banner after "220".
func (s *ftpServer) ClientConnected(ftpserver.ClientContext) (string, error) {
	return "ftp.lab: the socketlab FTP server.\n" +
		"Log in as anonymous (read-only) or as student, password " + FTPStudentPassword + ".", nil
}

// ClientDisconnected is part of ftpserver.MainDriver. ftpserverlib calls it once for every
// connection accepted, when its session ends.
func (s *ftpServer) ClientDisconnected(cc ftpserver.ClientContext) {
	if fsys, ok := cc.Extra().(*ftpFS); ok && fsys.quota != nil {
		fsys.quota.release()
	}
	s.sessions.Done()
}

// AuthUser is part of ftpserver.MainDriver.
func (s *ftpServer) AuthUser(cc ftpserver.ClientContext, user, pass string) (ftpserver.ClientDriver, error) {
	if old, ok := cc.Extra().(*ftpFS); ok && old.quota != nil {
		old.quota.release() // a second login in one session starts afresh
	}
	var fsys *ftpFS
	switch {
	case user == "anonymous" || user == "ftp":
		fsys = &ftpFS{Fs: s.root}
		cc.SetPath("/")
	case user == "student" && pass == FTPStudentPassword:
		fsys = &ftpFS{
			Fs:       afero.NewCopyOnWriteFs(s.root, afero.NewMemMapFs()),
			writable: "/home/student",
			quota:    &ftpQuota{limit: s.n.maxUpload, held: &s.held},
		}
		cc.SetPath("/home/student")
	default:
		return nil, errors.New("login incorrect")
	}
	cc.SetExtra(fsys)
	return fsys, nil
}

// PostAuthMessage is ftpserver.MainDriverExtensionPostAuthMessage: the text after 230 or 530.
func (s *ftpServer) PostAuthMessage(_ ftpserver.ClientContext, user string, err error) string {
	switch {
	case err != nil:
		return "Login incorrect: log in as anonymous, or as student with password " + FTPStudentPassword + "."
	case user == "student":
		return "Logged in as student. Lesson files are in /home/student/work; what you upload stays for this session only."
	default:
		return "Logged in anonymously: you may read everything and change nothing."
	}
}

// QuitMessage is ftpserver.MainDriverExtensionQuitMessage.
func (s *ftpServer) QuitMessage() string { return "Goodbye from ftp.lab." }

// WrapPassiveListener is ftpserver.MainDriverExtensionPassiveWrapper. ftpserverlib has just
// opened l on every interface; from here on it only hands out connections from loopback,
// and the port is known to Resolve until l is closed.
func (s *ftpServer) WrapPassiveListener(l net.Listener) (net.Listener, error) {
	tl, ok := l.(*net.TCPListener)
	if !ok {
		return nil, fmt.Errorf("passive listener is a %T, not TCP", l)
	}
	port := tl.Addr().(*net.TCPAddr).Port
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("ftp.lab is shutting down")
	}
	// Forget listeners that ftpserverlib has closed since (it closes them directly).
	for p, old := range s.pasv {
		if !listenerOpen(old) {
			delete(s.pasv, p)
		}
	}
	s.pasv[port] = tl
	return &pasvListener{TCPListener: tl, s: s}, nil
}

// ftpListener tracks the control connections it accepts.
type ftpListener struct {
	net.Listener
	s *ftpServer
}

func (l *ftpListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.s.mu.Lock()
		if l.s.closed {
			l.s.mu.Unlock()
			c.Close()
			continue // the next Accept fails: the listener is closed
		}
		l.s.conns[c] = struct{}{}
		l.s.sessions.Add()
		l.s.mu.Unlock()
		sc := &statFixConn{trackedConn: trackedConn{Conn: c, s: l.s}, lineStart: true}
		if own, ok := l.s.n.peers.LabAddrOf(c.RemoteAddr()); ok {
			sc.real, sc.lab = []byte(c.RemoteAddr().String()), []byte(own)
		}
		return sc, nil
	}
}

// pasvListener accepts data connections from loopback only.
type pasvListener struct {
	*net.TCPListener
	s *ftpServer
}

func (l *pasvListener) Accept() (net.Conn, error) {
	for {
		c, err := l.TCPListener.Accept()
		if err != nil {
			return nil, err
		}
		if ap, ok := c.RemoteAddr().(*net.TCPAddr); !ok || !ap.AddrPort().Addr().Unmap().IsLoopback() {
			l.s.n.log.Warn("refused a data connection: only loopback may connect", "service", "ftp.lab", "client", c.RemoteAddr().String())
			c.Close()
			continue
		}
		l.s.mu.Lock()
		if l.s.closed {
			l.s.mu.Unlock()
			c.Close()
			return nil, net.ErrClosed
		}
		l.s.conns[c] = struct{}{}
		l.s.mu.Unlock()
		return &trackedConn{Conn: c, s: l.s}, nil
	}
}

// trackedConn leaves the server's set when closed.
type trackedConn struct {
	net.Conn
	s *ftpServer
}

func (c *trackedConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.conns, c.Conn)
	c.s.mu.Unlock()
	return c.Conn.Close()
}

// statFixConn is a control connection that drops the literal "%s" ftpserverlib puts in front
// of every entry of a "STAT <dir>" reply (" %s-rw-r--r-- 1 ftp ftp ..."), and that names a
// relayed program by its lab address in the server STAT's "Connected to ... from ADDR" line,
// where ftpserverlib writes the real loopback address. ftpserverlib writes each reply line
// with its own Write, so the checks look at the start of each line only.
type statFixConn struct {
	trackedConn
	mu        sync.Mutex
	lineStart bool
	real, lab []byte // a peer's real address and its lab address (nil for other clients)
}

func (c *statFixConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := fixStatLine(p, c.lineStart)
	if c.lab != nil && c.lineStart && bytes.HasPrefix(out, []byte("Connected to ")) {
		out = bytes.Replace(out, c.real, c.lab, 1)
	}
	if len(p) > 0 {
		c.lineStart = p[len(p)-1] == '\n'
	}
	if _, err := c.trackedConn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fixStatLine returns p without the stray "%s" after the leading space, when p starts a line.
func fixStatLine(p []byte, lineStart bool) []byte {
	if lineStart && bytes.HasPrefix(p, []byte(" %s")) {
		return append([]byte(" "), p[3:]...)
	}
	return p
}

// ftpFS is one session's view of the files: the shared tree, read-only, with for student a
// private layer that takes changes under writable.
type ftpFS struct {
	afero.Fs
	writable string    // "" for a read-only session
	quota    *ftpQuota // nil for a read-only session
}

// ftpQuota counts what one session has stored.
type ftpQuota struct {
	limit int64
	held  *atomic.Int64 // what all sessions hold, shared

	mu       sync.Mutex
	used     int64
	entries  int
	released bool // the session has ended and given its bytes back
}

// grow charges n more bytes, or fails with a storage error and charges nothing.
func (q *ftpQuota) grow(n int64) error {
	if n <= 0 {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.released:
		return fmt.Errorf("the session has ended: %w", ftpserver.ErrStorageExceeded)
	case q.used+n > q.limit:
		return fmt.Errorf("this session may store %d bytes in all and has %d left: log in again for a fresh allowance: %w",
			q.limit, q.limit-q.used, ftpserver.ErrStorageExceeded)
	case q.held.Add(n) > ftpTotalUpload:
		q.held.Add(-n)
		return fmt.Errorf("ftp.lab holds as many uploads as it may for all sessions together; try again later: %w", ftpserver.ErrStorageExceeded)
	}
	q.used += n
	return nil
}

// newEntry counts one more file or directory created.
func (q *ftpQuota) newEntry() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.entries >= ftpMaxEntries {
		return fmt.Errorf("this session has created %d files and directories, the most allowed: %w", ftpMaxEntries, ftpserver.ErrStorageExceeded)
	}
	q.entries++
	return nil
}

// release gives the session's bytes back to the shared count, once.
func (q *ftpQuota) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.released {
		q.released = true
		q.held.Add(-q.used)
	}
}

// check allows a change to name only inside the session's writable area.
func (f *ftpFS) check(name string) error {
	if f.writable == "" {
		return errFTPReadOnly
	}
	p := path.Clean("/" + name)
	if p != f.writable && !strings.HasPrefix(p, f.writable+"/") {
		return errFTPOutside
	}
	return nil
}

// create also counts a new entry against the session's cap.
func (f *ftpFS) create(name string) error {
	if err := f.check(name); err != nil {
		return err
	}
	if _, err := f.Fs.Stat(name); err == nil {
		return nil // not new
	}
	return f.quota.newEntry()
}

func (f *ftpFS) Name() string { return "ftp.lab" }

// ReadDir is ftpserver.ClientDriverExtensionFileList: listings sorted by name, which the
// union of the shared tree and a session's layer would not give.
func (f *ftpFS) ReadDir(name string) ([]os.FileInfo, error) { return afero.ReadDir(f.Fs, name) }

func (f *ftpFS) Create(name string) (afero.File, error) {
	return f.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
}

func (f *ftpFS) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND) == 0 {
		return f.Fs.OpenFile(name, flag, perm)
	}
	if err := f.create(name); err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	file, err := f.Fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &quotaFile{File: file, q: f.quota}, nil
}

func (f *ftpFS) Mkdir(name string, perm os.FileMode) error {
	if err := f.create(name); err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return f.Fs.Mkdir(name, perm)
}

func (f *ftpFS) MkdirAll(name string, perm os.FileMode) error {
	if err := f.create(name); err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return f.Fs.MkdirAll(name, perm)
}

func (f *ftpFS) Remove(name string) error {
	if err := f.check(name); err != nil {
		return &os.PathError{Op: "remove", Path: name, Err: err}
	}
	return f.Fs.Remove(name)
}

func (f *ftpFS) RemoveAll(name string) error {
	if err := f.check(name); err != nil {
		return &os.PathError{Op: "remove", Path: name, Err: err}
	}
	return f.Fs.RemoveAll(name)
}

func (f *ftpFS) Rename(oldname, newname string) error {
	for _, name := range []string{oldname, newname} {
		if err := f.check(name); err != nil {
			return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
		}
	}
	return f.Fs.Rename(oldname, newname)
}

func (f *ftpFS) Chmod(name string, mode os.FileMode) error {
	if err := f.check(name); err != nil {
		return &os.PathError{Op: "chmod", Path: name, Err: err}
	}
	return f.Fs.Chmod(name, mode)
}

func (f *ftpFS) Chown(name string, uid, gid int) error {
	return &os.PathError{Op: "chown", Path: name, Err: syscall.EPERM}
}

func (f *ftpFS) Chtimes(name string, atime, mtime time.Time) error {
	if err := f.check(name); err != nil {
		return &os.PathError{Op: "chtimes", Path: name, Err: err}
	}
	return f.Fs.Chtimes(name, atime, mtime)
}

// quotaFile charges every byte a write adds to the file's size.
type quotaFile struct {
	afero.File
	q *ftpQuota
}

// charge charges what writing n bytes at off adds to the file.
func (f *quotaFile) charge(off int64, n int) error {
	info, err := f.File.Stat()
	if err != nil {
		return err
	}
	return f.q.grow(off + int64(n) - info.Size())
}

func (f *quotaFile) Write(p []byte) (int, error) {
	off, err := f.File.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if err := f.charge(off, len(p)); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *quotaFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.charge(off, len(p)); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

func (f *quotaFile) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

func (f *quotaFile) Truncate(size int64) error {
	if err := f.charge(size, 0); err != nil {
		return err
	}
	return f.File.Truncate(size)
}
