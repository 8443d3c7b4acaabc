package deploy

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab"
)

// instruction is one Dockerfile instruction, its continuation lines joined.
type instruction struct {
	cmd, args string
	line      int
}

// stage is one FROM and what follows it.
type stage struct {
	name, image string
	body        []instruction
}

// parseDockerfile reads the instructions of a Dockerfile: comments dropped, lines ending in a
// backslash joined to the next, ARG defaults before the first FROM substituted into FROM.
func parseDockerfile(t *testing.T, path string) (args map[string]string, stages []*stage) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	args = map[string]string{}
	sc := bufio.NewScanner(f)
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		cmd, rest, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(rest), line: start}
		switch {
		case in.cmd == "ARG" && len(stages) == 0:
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		case in.cmd == "FROM":
			image, name, _ := strings.Cut(os.Expand(in.args, func(k string) string { return args[k] }), " AS ")
			stages = append(stages, &stage{name: strings.TrimSpace(name), image: strings.TrimSpace(image)})
		case len(stages) == 0:
			t.Fatalf("Dockerfile line %d: %s before the first FROM", start, in.cmd)
		default:
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	return args, stages
}

func (s *stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// TestDockerfile checks the image's recipe here, where no container engine runs: a build
// stage and a runtime stage on pinned images, the toolchain kept, a user other than root,
// volumes for the caches and the state, and the build cache warmed at image build time by
// the gateway itself, waiting for the very log line internal/cli writes.
func TestDockerfile(t *testing.T) {
	_, stages := parseDockerfile(t, "../Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	for _, s := range stages {
		image, tag, ok := strings.Cut(s.image, ":")
		if !ok || tag == "" || tag == "latest" || strings.Contains(tag, "$") || s.name == "" {
			t.Errorf("FROM %s AS %q: want a named stage on an image with a pinned tag", s.image, s.name)
		}
		_ = image
	}
	rt := stages[len(stages)-1]
	if rt.name != "runtime" {
		t.Errorf("the last stage is %q, want runtime", rt.name)
	}
	copies := strings.Join(argsOf(rt.all("COPY")), "\n")
	for _, want := range []string{"--from=build /usr/local/go /usr/local/go", "--from=build /out/socketlab /usr/local/bin/socketlab"} {
		if !strings.Contains(copies, want) {
			t.Errorf("the runtime stage does not COPY %s (the gateway compiles learner programs with the toolchain)", want)
		}
	}

	// The user: numeric, not root, set before the warm step and the entry point.
	users := rt.all("USER")
	if len(users) != 1 {
		t.Fatalf("the runtime stage has %d USER instructions, want 1", len(users))
	}
	uid, _, _ := strings.Cut(users[0].args, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %s: want a numeric user other than 0 (Kubernetes checks runAsNonRoot by number)", users[0].args)
	}

	// The warm step runs as that user, waits for the gateway's own log line, and fails the
	// build when a lesson cell does not build.
	serveGo, err := os.ReadFile("../internal/cli/serve.go")
	if err != nil {
		t.Fatal(err)
	}
	var warm *instruction
	for i, in := range rt.body {
		if in.cmd == "RUN" && strings.Contains(in.args, "socketlab --addr 127.0.0.1") {
			warm = &rt.body[i]
		}
	}
	if warm == nil {
		t.Fatal("no RUN in the runtime stage starts the gateway to warm the build cache")
	}
	if warm.line < users[0].line {
		t.Error("the cache is warmed before USER: its files would belong to root, and the gateway could not write its cache")
	}
	for _, msg := range []string{"lesson cells ready", "a lesson cell does not build"} {
		if !strings.Contains(warm.args, `"msg":"`+msg+`"`) {
			t.Errorf("the warm step does not look for %q", msg)
		}
		if !strings.Contains(string(serveGo), `"`+msg+`"`) {
			t.Errorf("internal/cli/serve.go no longer logs %q, which the Dockerfile's warm step waits for", msg)
		}
	}
	for _, f := range []string{"--compile-memory", "--compile-cpu", "--compile-max-file"} {
		if strings.Contains(warm.args, f) {
			t.Errorf("the warm step passes %s, which is part of every program's hash: the gateway, run with its default, would compile every cell again", f)
		}
	}
	if !strings.Contains(warm.args, "--log-format json") {
		t.Error("the warm step reads the log as JSON lines but does not ask for them")
	}

	// Where the caches are: XDG_CACHE_HOME puts the build service's under /var/cache/socketlab.
	env := strings.Join(argsOf(rt.all("ENV")), " ")
	for _, want := range []string{"XDG_CACHE_HOME=/var/cache", "GOMODCACHE=/opt/socketlab/gomod", "GOTOOLCHAIN=local", "PATH=/usr/local/go/bin:"} {
		if !strings.Contains(env, want) {
			t.Errorf("the runtime stage's ENV lacks %s", want)
		}
	}
	for _, v := range rt.all("VOLUME") {
		if v.line < warm.line {
			t.Error("VOLUME comes before the warm step: what a build step writes under a declared volume is discarded")
		}
	}
	vols := strings.Join(argsOf(rt.all("VOLUME")), " ")
	for _, want := range []string{`"/var/cache/socketlab"`, `"/var/lib/socketlab"`} {
		if !strings.Contains(vols, want) {
			t.Errorf("no VOLUME %s", want)
		}
	}
	if ep := rt.all("ENTRYPOINT"); len(ep) != 1 || ep[0].args != `["/usr/local/bin/socketlab"]` {
		t.Errorf("ENTRYPOINT %v, want the command alone", ep)
	}

	// The modules learner programs may import are the ones socketlab.ThirdParty names.
	var downloaded []string
	for _, s := range stages {
		for _, in := range s.all("RUN") {
			if m := regexp.MustCompile(`GOMODCACHE=/out/gomod go mod download ([^&]+)`).FindStringSubmatch(in.args); m != nil {
				downloaded = strings.Fields(m[1])
			}
		}
	}
	slices.Sort(downloaded)
	if want := slices.Sorted(maps.Keys(socketlab.ThirdParty)); !slices.Equal(downloaded, want) {
		t.Errorf("the image's module cache holds %v, socketlab.ThirdParty names %v", downloaded, want)
	}
}

func argsOf(ins []instruction) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.args)
	}
	return out
}

// dockerfileUID is the image's user.
func dockerfileUID(t *testing.T) int64 {
	_, stages := parseDockerfile(t, "../Dockerfile")
	for _, in := range stages[len(stages)-1].all("USER") {
		uid, _, _ := strings.Cut(in.args, ":")
		n, err := strconv.ParseInt(uid, 10, 64)
		if err == nil {
			return n
		}
	}
	t.Fatal("the Dockerfile's runtime stage has no numeric USER")
	return 0
}

// noEngineVar is what .ci/run sets when it finds no container engine, so that CI may skip the
// image build, and says so in its output.
const noEngineVar = "SOCKETLAB_NO_CONTAINER_ENGINE"

// engine finds a container engine that answers: docker or podman whose info works (a docker
// command with no daemon behind it is no engine).
func engine() (string, string) {
	var why []string
	for _, name := range []string{"docker", "podman"} {
		p, err := exec.LookPath(name)
		if err != nil {
			why = append(why, name+" not found")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, p, "info").CombinedOutput()
		cancel()
		if err == nil {
			return p, ""
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		why = append(why, fmt.Sprintf("%s info: %v: %s", name, err, lines[len(lines)-1]))
	}
	return "", strings.Join(why, "; ")
}

// TestImageBuild builds the image with docker or podman and runs socketlab --help in it, as
// its own user with a read-only root file system. Without an engine it is skipped, saying so;
// under CI=true only when .ci/run found no engine either and set SOCKETLAB_NO_CONTAINER_ENGINE.
func TestImageBuild(t *testing.T) {
	eng, why := engine()
	if eng == "" {
		if os.Getenv("CI") == "true" && os.Getenv(noEngineVar) != "1" {
			t.Fatalf("no container engine (%s), and %s is not set: .ci/run sets it after saying that no engine is present", why, noEngineVar)
		}
		t.Skipf("SKIPPED: the image is not built here, for lack of a container engine (%s)", why)
	}
	if testing.Short() {
		t.Skip("building the image takes minutes (lesson cells are compiled into it)")
	}
	tag := fmt.Sprintf("socketlab-test:%d", time.Now().UnixNano())
	run := func(timeout time.Duration, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, eng, args...)
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", eng, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(15*time.Minute, "build", "-t", tag, ".")
	t.Cleanup(func() { exec.Command(eng, "rmi", "-f", tag).Run() })
	out := run(2*time.Minute, "run", "--rm", "--read-only", "--tmpfs", "/tmp", tag, "--help")
	if !strings.Contains(out, "usage: socketlab [flags]") || !strings.Contains(out, "-class code") {
		t.Errorf("socketlab --help in the image printed:\n%s", out)
	}
	if id := strings.TrimSpace(run(2*time.Minute, "run", "--rm", "--entrypoint", "id", tag, "-u")); id != strconv.FormatInt(dockerfileUID(t), 10) {
		t.Errorf("the image runs as user %s, want %d", id, dockerfileUID(t))
	}
	if out := run(2*time.Minute, "run", "--rm", "--entrypoint", "go", tag, "version"); !strings.Contains(out, "go1.") {
		t.Errorf("go version in the image: %s", out)
	}
}
