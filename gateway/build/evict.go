package build

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Both caches are trimmed to this share of their cap once they pass it, so that eviction
// does not run after every build.
const evictTo = 0.8

// evict trims the compiled programs and the Go build cache to their caps. It runs after
// every build that ran the compiler; when another eviction is running it returns at once.
func (s *Service) evict() {
	if !s.evicting.TryLock() {
		return
	}
	defer s.evicting.Unlock()
	s.evictPrograms()
	s.evictGoCache()
}

// cacheEntry is one thing eviction may remove: a program with its files, or a file of the
// Go build cache.
type cacheEntry struct {
	hash  string // a program's; "" for the Go build cache
	paths []string
	size  int64
	used  time.Time
}

// trim removes the least recently used entries until the rest hold at most evictTo of max,
// if they hold more than max.
func trim(entries []cacheEntry, max int64, remove func(cacheEntry)) {
	var total int64
	for _, e := range entries {
		total += e.size
	}
	if max <= 0 || total <= max {
		return
	}
	slices.SortFunc(entries, func(a, b cacheEntry) int { return a.used.Compare(b.used) })
	for _, e := range entries {
		if total <= int64(float64(max)*evictTo) {
			break
		}
		remove(e)
		total -= e.size
	}
}

// evictPrograms removes the compiled programs used longest ago. A program's result file is
// removed first: without it the program is a cache miss, so nothing serves a half-removed
// entry. A program's last use is its last cache hit since the start, or else the
// modification time of its result file, which a cache hit renews (see touch) for the next
// start.
func (s *Service) evictPrograms() {
	if s.maxPrograms <= 0 {
		return
	}
	entries, err := os.ReadDir(s.outDir)
	if err != nil {
		return
	}
	byHash := map[string]*cacheEntry{}
	for _, e := range entries {
		name := e.Name()
		if len(name) < 64 || !validHash(name[:64]) {
			continue // temporary files; sweep removes what crashed builds leave
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		ce := byHash[name[:64]]
		if ce == nil {
			ce = &cacheEntry{}
			byHash[name[:64]] = ce
		}
		p := filepath.Join(s.outDir, name)
		if strings.HasSuffix(name, ".json") {
			ce.paths = append([]string{p}, ce.paths...)
			ce.used = fi.ModTime()
		} else {
			ce.paths = append(ce.paths, p)
			if ce.used.IsZero() {
				ce.used = fi.ModTime()
			}
		}
		ce.size += fi.Size()
	}
	// The file times say when a program was last used to within a minute (touch); a
	// program asked for every second looked older than the programs of a compile storm, and
	// was evicted. The cache hits since the start say it exactly. The lesson cells' programs
	// (Warm) go last.
	now := time.Now()
	s.touchMu.Lock()
	for h, ce := range byHash {
		ce.hash = h
		if t, ok := s.lastHit[h]; ok && t.After(ce.used) {
			ce.used = t
		}
		if s.warmed[h] {
			ce.used = now
		}
	}
	for h := range s.lastHit {
		if byHash[h] == nil {
			delete(s.lastHit, h)
		}
	}
	s.touchMu.Unlock()
	list := make([]cacheEntry, 0, len(byHash))
	for _, ce := range byHash {
		list = append(list, *ce)
	}
	trim(list, s.maxPrograms, func(e cacheEntry) {
		for _, p := range e.paths {
			os.Remove(p)
		}
		s.touchMu.Lock()
		delete(s.lastHit, e.hash)
		s.touchMu.Unlock()
	})
}

// touchLater notes a cache hit of the program for hash, and touches the program in the
// background: a cached answer must not wait for a write. Setting a file's time is a journal write, which on ext4 may wait for the data
// the builds wrote before it; in a compile storm a precompiled cell's answer waited 3.4 to
// 3.9 s for it. At most one touch a program, and maxTouching in all, run at once; a touch
// left out is made by a later answer.
func (s *Service) touchLater(hash string) {
	s.touchMu.Lock()
	if s.touching == nil {
		s.touching = map[string]bool{}
		s.lastHit = map[string]time.Time{}
	}
	s.lastHit[hash] = time.Now()
	if s.touching[hash] || len(s.touching) >= maxTouching {
		s.touchMu.Unlock()
		return
	}
	s.touching[hash] = true
	s.touchMu.Unlock()
	go func() {
		s.touch(hash)
		s.touchMu.Lock()
		delete(s.touching, hash)
		s.touchMu.Unlock()
	}()
}

const maxTouching = 64

// touch marks the program for hash as used now, at most once a minute.
func (s *Service) touch(hash string) {
	p := s.metaFile(hash)
	if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > time.Minute {
		now := time.Now()
		os.Chtimes(p, now, now)
	}
}

// evictGoCache removes the files of the Go build cache used longest ago. The go command
// renews a file's modification time when it uses it (at most once an hour), and a missing
// file is a cache miss to it; but a build that already found a file may still open it, so
// no build runs while files are removed. The cache is evicted only when the service owns it
// (Options.MaxGoCache is not negative).
func (s *Service) evictGoCache() {
	// Walking a large cache takes tens of milliseconds; a few seconds of builds add at most
	// a few files of at most MaxFile each.
	if s.maxGoCache <= 0 || time.Since(s.goCacheWalked) < 5*time.Second {
		return
	}
	s.goCacheWalked = time.Now()
	var list []cacheEntry
	filepath.WalkDir(s.goCache, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		// The go command's entries are DIR/HASH-a and DIR/HASH-d; README and trim.txt stay.
		if n := d.Name(); !strings.HasSuffix(n, "-a") && !strings.HasSuffix(n, "-d") {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			list = append(list, cacheEntry{paths: []string{p}, size: fi.Size(), used: fi.ModTime()})
		}
		return nil
	})
	var total int64
	for _, e := range list {
		total += e.size
	}
	if total <= s.maxGoCache {
		return
	}
	s.cacheLock.Lock() // no build runs meanwhile
	defer s.cacheLock.Unlock()
	trim(list, s.maxGoCache, func(e cacheEntry) { os.Remove(e.paths[0]) })
	s.forgetLinks() // the direct path must not count on what was removed
	s.logf("build: the Go build cache held %s, over its cap of %s; removed the files used longest ago", formatSize(total), formatSize(s.maxGoCache))
}
