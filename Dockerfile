# syntax=docker/dockerfile:1
#
# The socketlab gateway in a container: docs/deploy.md says how to build and run it.
#
#   docker build -t socketlab:0.1.0 .        (or: podman build -t socketlab:0.1.0 .)
#
# The runtime stage keeps the Go toolchain, because the gateway compiles learner programs. The
# image runs as an unprivileged user and expects its root file system to be read-only, with
# three writable places: /var/cache/socketlab (the build cache and the compiled programs),
# /var/lib/socketlab (state kept across restarts) and /tmp (the compiler's scratch space).
# The standard library's WebAssembly build and every lesson cell are compiled here, at image
# build time, into /var/cache/socketlab, so a new replica answers its first Run in seconds.

ARG GO_VERSION=1.26.8
ARG DEBIAN_RELEASE=trixie

# The command, built from this tree, and the modules learner programs may import
# (socketlab.ThirdParty) in a module cache of their own.
FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -o /out/socketlab ./cmd/socketlab
RUN GOMODCACHE=/out/gomod go mod download github.com/jlaffaye/ftp github.com/hashicorp/go-multierror github.com/hashicorp/errwrap \
 && chmod -R a+rX /out/gomod

# What runs: Debian, the toolchain from the build stage, the command, and a user of its own.
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
COPY --from=build /usr/local/go /usr/local/go
COPY --from=build /out/gomod /opt/socketlab/gomod
COPY --from=build /out/socketlab /usr/local/bin/socketlab
RUN groupadd --system --gid 10001 socketlab \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/socketlab --create-home --shell /usr/sbin/nologin socketlab \
 && install -d -o socketlab -g socketlab -m 0750 /var/cache/socketlab /var/lib/socketlab
# os.UserCacheDir is $XDG_CACHE_HOME: the build service keeps its programs in
# /var/cache/socketlab/build and its Go build cache in /var/cache/socketlab/gocache.
ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/home/socketlab \
    XDG_CACHE_HOME=/var/cache \
    GOPATH=/opt/socketlab/go \
    GOMODCACHE=/opt/socketlab/gomod \
    GOTOOLCHAIN=local \
    CGO_ENABLED=0 \
    SOCKETLAB_ADDR=0.0.0.0:8080
USER 10001:10001
WORKDIR /home/socketlab

# Warm the build cache: a gateway on loopback compiles every lesson cell (and with the first
# ones the standard library for js/wasm), then stops. The build fails if a cell does not build.
# A slow builder (an emulated architecture, a busy machine) may take more than the gateway's
# default minute for the first net/http program, so the warm gateway allows ten. Nothing else
# may differ from how the gateway runs: --compile-memory, --compile-cpu and --compile-max-file
# are part of every program's hash, and cells warmed under other limits would be compiled again.
RUN set -eu; \
    socketlab --addr 127.0.0.1:8080 --log-format json --compile-timeout 10m >/tmp/warm.log 2>&1 & pid=$!; \
    i=0; until grep -q '"msg":"lesson cells ready"' /tmp/warm.log; do \
      if ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge 1800 ]; then cat /tmp/warm.log; exit 1; fi; \
      i=$((i+1)); sleep 1; \
    done; \
    kill -TERM "$pid"; wait "$pid" || true; \
    if grep -q '"msg":"a lesson cell does not build"' /tmp/warm.log; then cat /tmp/warm.log; exit 1; fi; \
    grep '"msg":"lesson cells ready"' /tmp/warm.log; rm -f /tmp/warm.log; \
    test -d /var/cache/socketlab/gocache && test -d /var/cache/socketlab/build

VOLUME ["/var/cache/socketlab", "/var/lib/socketlab"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/socketlab"]
CMD ["--expose", "--log-format", "json"]
