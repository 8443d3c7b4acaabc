# socketlab: `make run` starts the lab on 127.0.0.1:8080, `make test` runs every test.

ADDR ?= 127.0.0.1:8080
GO   ?= go
BIN  := bin/socketlab

.PHONY: run build editor pyodide test test-short portable cyclo bench bench-go soak fuzz vet clean

# The page's editor, CodeMirror 6: npm ci installs the versions web/editor/package-lock.json
# pins, and esbuild (a Go module, internal/editorbundle) bundles them into static/codemirror.js
# and static/codemirror-python.js, which the binary embeds. Neither is kept in git.
EDITOR_OUT := static/codemirror.js static/codemirror-python.js
EDITOR_IN  := web/editor/package.json web/editor/package-lock.json web/editor/entry.js web/editor/python.js internal/editorbundle/main.go

editor: $(EDITOR_OUT)

web/editor/node_modules/.package-lock.json: web/editor/package.json web/editor/package-lock.json
	npm ci --prefix web/editor --no-audit --no-fund

$(EDITOR_OUT) &: web/editor/node_modules/.package-lock.json $(EDITOR_IN)
	$(GO) run ./internal/editorbundle
	@touch $(EDITOR_OUT)

# Python in the page: Pyodide, from the npm package web/pyodide/package-lock.json pins (npm ci),
# its runtime files copied into static/pyodide/ beside a gzip copy of each (made anew on
# every copy), which the binary embeds and the gateway serves from its own origin. Not kept
# in git (static/pyodide/README.md is, so that a clean checkout compiles).
PYODIDE_FILES := pyodide.mjs pyodide.asm.mjs pyodide.asm.wasm python_stdlib.zip pyodide-lock.json package.json
PYODIDE_OUT   := $(addprefix static/pyodide/,$(PYODIDE_FILES))

pyodide: $(PYODIDE_OUT)

web/pyodide/node_modules/.package-lock.json: web/pyodide/package.json web/pyodide/package-lock.json
	npm ci --prefix web/pyodide --no-audit --no-fund

$(PYODIDE_OUT) &: web/pyodide/node_modules/.package-lock.json
	@for f in $(PYODIDE_FILES); do \
	  cp web/pyodide/node_modules/pyodide/$$f static/pyodide/$$f && \
	  gzip -9 -n -k -f static/pyodide/$$f || exit 1; \
	done
	@touch $(PYODIDE_OUT)

run: build
	@echo "Starting socketlab on $(ADDR) (Ctrl-C stops it)..."
	./$(BIN) --addr $(ADDR)

build: editor pyodide
	@echo "Building socketlab (and fetching the modules learner programs may import)..."
	$(GO) mod download
	$(GO) build -o $(BIN) ./cmd/socketlab

# Every test, browser tests included (they need Chromium: apt-get install chromium), and the
# page's pure functions under Node.
test: editor pyodide portable
	$(GO) vet ./...
	node --test static/test/
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) cyclo

# The gateway on macOS and Windows: it vets and builds for both, and its unit tests pass here
# with the portable paths (rawio_other.go, splice_other.go, proc_other.go) forced on.
portable: editor pyodide
	GOOS=darwin $(GO) vet ./cmd/socketlab ./gateway/...
	GOOS=windows $(GO) vet ./cmd/socketlab ./gateway/...
	GOOS=darwin $(GO) build -o /dev/null ./cmd/socketlab
	GOOS=windows $(GO) build -o /dev/null ./cmd/socketlab
	$(GO) test -count=1 -short -tags socketlab_portable ./gateway/...

# No production function above cyclomatic complexity 25 (tests and the benchmark aside).
cyclo:
	$(GO) tool gocyclo -over 25 -ignore '_test\.go$$|^bench/' .

# Without the slow tests (browser, toolchain builds).
test-short:
	$(GO) test -short ./...

# The relay against raw TCP, a plain TCP relay and websockify, on loopback: one table.
# Needs 20000 open files (ulimit -n); websockify's column appears when it is installed.
bench: editor pyodide
	$(GO) run ./bench

# The gateway under attack, about 10 minutes (a benchmark, never part of make test): 50 learners
# run lesson cells alone, then beside 3 hostile loopback addresses cycling through every attack
# of issue 22; one table of their failures and latency and the gateway's memory and
# descriptors, and one of how each attack was answered (bench/soak.go, bench/hostile.go).
soak: editor pyodide
	$(GO) run ./bench -soak 4m

# Go benchmarks of the hot paths (frame encoding, unmasking, stream copy; the program-side
# runtime's frames, streams and a copy through a real relay), with allocations. The browser
# download (Chromium, a minute) runs on its own: go test -run '^$$' -bench BrowserDownload ./labnet
bench-go:
	$(GO) test -run '^$$' -bench . -skip BrowserDownload -benchmem ./wire ./gateway/relay ./labnet

# A few minutes of fuzzing for each fuzz target.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzzing $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 30s $$pkg || exit 1; \
	  done; \
	done

vet:
	$(GO) vet ./...

clean:
	rm -rf bin web/editor/node_modules $(EDITOR_OUT) web/pyodide/node_modules static/pyodide/*.gz $(PYODIDE_OUT)
