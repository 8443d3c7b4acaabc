package deploy

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"socketlab/internal/cli"
)

const chartDir = "helm/socketlab"

// need finds a tool the tests run. Missing, the test is skipped here and fails under CI=true,
// where .ci/run installs it.
func need(t *testing.T, name, install string, also ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range also {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI must run this test: .ci/run installs it (%s)", name, install)
	}
	t.Skipf("%s is not installed (%s); skipping", name, install)
	return ""
}

// helm is the helm command: in PATH or where go install puts it.
func helm(t *testing.T) string {
	gobin := os.Getenv("GOBIN")
	if gobin == "" {
		out, _ := exec.Command("go", "env", "GOPATH").Output()
		gobin = filepath.Join(strings.TrimSpace(string(out)), "bin")
	}
	return need(t, "helm", "go install helm.sh/helm/v4/cmd/helm@v4.3.2", filepath.Join(gobin, "helm"))
}

// runHelm runs helm with args and a home of its own, and returns what it printed.
func runHelm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(helm(t), args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestHelmLint: helm lint finds nothing wrong with the chart, for solo learners and for a class.
func TestHelmLint(t *testing.T) {
	for _, set := range [][]string{nil, {"--set", "gateway.class=k7m-qx2-r9d"}} {
		out, err := runHelm(t, append([]string{"lint", "--strict", chartDir}, set...)...)
		if err != nil {
			t.Errorf("helm lint %v: %v\n%s", set, err, out)
		}
	}
}

// rendered is one helm template, decoded into the Kubernetes types.
type rendered struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	ingresses   []*networkingv1.Ingress
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
}

// render runs helm template with extra args and decodes every manifest strictly: a field the
// Kubernetes type does not have, or a key given twice, fails.
func render(t *testing.T, args ...string) *rendered {
	t.Helper()
	out, err := runHelm(t, append([]string{"template", "lab", chartDir}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, out)
	}
	var r rendered
	for doc := range strings.SplitSeq(out, "\n---\n") {
		doc = strings.TrimPrefix(doc, "---\n")
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var meta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("a rendered manifest is not YAML: %v\n%s", err, doc)
		}
		var obj any
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			r.deployments, obj = append(r.deployments, d), d
		case "v1 Service":
			s := &corev1.Service{}
			r.services, obj = append(r.services, s), s
		case "networking.k8s.io/v1 Ingress":
			i := &networkingv1.Ingress{}
			r.ingresses, obj = append(r.ingresses, i), i
		case "autoscaling/v2 HorizontalPodAutoscaler":
			h := &autoscalingv2.HorizontalPodAutoscaler{}
			r.hpas, obj = append(r.hpas, h), h
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			r.pdbs, obj = append(r.pdbs, p), p
		default:
			t.Fatalf("the chart renders a %s %s, which this test does not know: add it here", meta.APIVersion, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s does not decode strictly: %v\n%s", meta.Kind, err, doc)
		}
	}
	if len(r.deployments) != 1 {
		t.Fatalf("%d Deployments rendered, want 1", len(r.deployments))
	}
	return &r
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.Lines(doc) {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestHelmTemplateSolo: the default values give a gateway for solo learners that passes every
// check below, and an Ingress that spreads learners with an affinity cookie.
func TestHelmTemplateSolo(t *testing.T) {
	r := render(t)
	d := r.deployments[0]
	checkDeployment(t, d)
	checkAround(t, r, d, false)
	args := d.Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "--host=lab.example.org") || hasPrefix(args, "--class") {
		t.Errorf("solo gateway's args: %q, want --host=lab.example.org and no --class", args)
	}
	if len(r.ingresses) != 1 {
		t.Fatalf("%d Ingresses for solo learners, want 1", len(r.ingresses))
	}
	in := r.ingresses[0]
	a := in.Annotations
	if a["nginx.ingress.kubernetes.io/affinity"] != "cookie" || a["nginx.ingress.kubernetes.io/session-cookie-name"] != "socketlab_route" {
		t.Errorf("solo Ingress annotations %v: want cookie affinity", a)
	}
	if _, ok := a["nginx.ingress.kubernetes.io/upstream-hash-by"]; ok {
		t.Error("the solo Ingress hashes: solo learners should spread")
	}
	checkIngress(t, in, "lab.example.org", "lab-socketlab", r)
}

// TestHelmTemplateClass: with a class, every replica hosts it, and the class Ingress hashes the
// Host header, which carries the join code, over a Service of its own.
func TestHelmTemplateClass(t *testing.T) {
	r := render(t, "--set", "gateway.class=k7m-qx2-r9d", "--set", "ingress.tlsSecret=lab-tls")
	d := r.deployments[0]
	checkDeployment(t, d)
	checkAround(t, r, d, true)
	args := d.Spec.Template.Spec.Containers[0].Args
	for _, want := range []string{"--class=k7m-qx2-r9d", "--host=*.class.lab.example.org"} {
		if !slices.Contains(args, want) {
			t.Errorf("class gateway's args %q lack %s", args, want)
		}
	}
	if slices.Contains(args, "--host=lab.example.org") {
		t.Error("a class gateway answers the solo host, where classmates would be spread over replicas")
	}
	if len(r.ingresses) != 1 {
		t.Fatalf("%d Ingresses for a class, want 1 (the solo one would split the class)", len(r.ingresses))
	}
	in := r.ingresses[0]
	if got := in.Annotations["nginx.ingress.kubernetes.io/upstream-hash-by"]; got != "$host" {
		t.Errorf("class Ingress upstream-hash-by %q, want $host (CODE.class.lab.example.org)", got)
	}
	if _, ok := in.Annotations["nginx.ingress.kubernetes.io/affinity"]; ok {
		t.Error("the class Ingress sets cookie affinity, which ingress-nginx would use instead of the hash")
	}
	checkIngress(t, in, "*.class.lab.example.org", "lab-socketlab-class", r)
	if len(in.Spec.TLS) != 1 || in.Spec.TLS[0].SecretName != "lab-tls" || in.Spec.TLS[0].Hosts[0] != "*.class.lab.example.org" {
		t.Errorf("class Ingress TLS %+v", in.Spec.TLS)
	}
}

// TestHelmTemplateSharedCache: with a claim named, every replica mounts it as the cache.
func TestHelmTemplateSharedCache(t *testing.T) {
	r := render(t, "--set", "cache.sharedClaim=socketlab-cache")
	d := r.deployments[0]
	checkDeployment(t, d)
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == "cache" && (v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "socketlab-cache" || v.EmptyDir != nil) {
			t.Errorf("the cache volume %+v: want the claim socketlab-cache", v.VolumeSource)
		}
	}
}

// TestHelmTemplateSharedState: a class with a database keeps its roster and progress there,
// the URL coming from a Secret into the environment, not written in the args; without one,
// each replica keeps it in its state volume. Either way the gateway trusts the Ingress
// controller's addresses for the client's own.
func TestHelmTemplateSharedState(t *testing.T) {
	r := render(t, "--set", "gateway.class=k7m-qx2-r9d", "--set", "state.databaseSecret.name=socketlab-db")
	d := r.deployments[0]
	checkDeployment(t, d)
	c := d.Spec.Template.Spec.Containers[0]
	if v, _ := flagValue(c.Args, "state"); v != "$(SOCKETLAB_STATE)" {
		t.Errorf("--state=%q, want $(SOCKETLAB_STATE), filled in from the Secret", v)
	}
	if len(c.Env) != 1 || c.Env[0].Name != "SOCKETLAB_STATE" || c.Env[0].ValueFrom == nil || c.Env[0].ValueFrom.SecretKeyRef == nil ||
		c.Env[0].ValueFrom.SecretKeyRef.Name != "socketlab-db" || c.Env[0].ValueFrom.SecretKeyRef.Key != "url" {
		t.Errorf("env %+v: want SOCKETLAB_STATE from the Secret socketlab-db, key url", c.Env)
	}
	local := render(t, "--set", "gateway.class=k7m-qx2-r9d").deployments[0].Spec.Template.Spec.Containers[0]
	if v, _ := flagValue(local.Args, "state"); v != "/var/lib/socketlab" || len(local.Env) != 0 {
		t.Errorf("a class without a database: --state=%q, env %+v; want the state volume", v, local.Env)
	}
	if _, ok := flagValue(render(t).deployments[0].Spec.Template.Spec.Containers[0].Args, "state"); ok {
		t.Error("solo learners have no class to keep, yet --state is passed")
	}
}

// TestHelmRefuses: values that would break a deployment fail at helm template, saying why.
func TestHelmRefuses(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{"image.tag=latest", "refuses \"latest\""},
		{"gateway.class=auto", "make up a code of its own"},
		{"gateway.class=Tuesday_1", "host name's first label"},
	} {
		out, err := runHelm(t, "template", "lab", chartDir, "--set", tc.set)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("helm template --set %s: %v, %q; want a failure saying %q", tc.set, err, out, tc.want)
		}
	}
}

func hasPrefix(args []string, p string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, p) })
}

// flagValue is the value of --name=VALUE in args.
func flagValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// gatewayFlags are the flags the gateway's usage lists.
func gatewayFlags(t *testing.T) map[string]bool {
	b, err := os.ReadFile("../internal/cli/testdata/usage.golden")
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(string(b), -1) {
		flags[m[1]] = true
	}
	return flags
}

func checkDeployment(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want the gateway alone", len(pod.Containers))
	}
	c := pod.Containers[0]
	if _, tag, ok := strings.Cut(c.Image, ":"); !ok || tag == "latest" || tag == "" {
		t.Errorf("image %q: want a pinned tag", c.Image)
	}

	// Every argument is a flag of the gateway, and the gateway's own parser takes them all:
	// -h after them stops it before it serves, with 0 only if every flag before it parsed.
	known := gatewayFlags(t)
	for _, a := range c.Args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !known[name] {
			t.Errorf("argument %q: the gateway has no flag --%s (internal/cli/testdata/usage.golden)", a, name)
		}
	}
	var stderr bytes.Buffer
	if status := cli.Main(append(slices.Clone(c.Args), "-h"), func(string) string { return "" }, nil, io.Discard, &stderr); status != 0 {
		t.Errorf("the gateway does not take the chart's arguments %q: exit %d\n%s", c.Args, status, firstLines(stderr.String(), 3))
	}
	// The image's lesson cells were compiled under the gateway's default limits, which are
	// part of every program's hash: other limits here would compile them all again.
	for _, f := range []string{"compile-memory", "compile-cpu", "compile-max-file"} {
		if v, ok := flagValue(c.Args, f); ok && !sameAsDefault(t, f, v) {
			t.Errorf("--%s=%s differs from the gateway's default, under which the image's cells were compiled", f, v)
		}
	}
	// Behind the Ingress, each learner's address comes from the controller's headers, so the
	// limits per client address are the gateway's own.
	if v, ok := flagValue(c.Args, "trusted-proxies"); !ok || !strings.Contains(v, "10.0.0.0/8") {
		t.Errorf("--trusted-proxies=%q: want the cluster's private ranges, where the Ingress controller is", v)
	}
	for _, f := range []string{"max-sessions-per-client", "compile-budget", "api-rate", "max-conns-per-client"} {
		if v, ok := flagValue(c.Args, f); ok && strings.HasPrefix(v, "-") {
			t.Errorf("--%s=%s: behind trusted proxies the limit holds each learner, keep it on", f, v)
		}
	}
	for _, want := range []string{"--addr=0.0.0.0:8080", "--expose"} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("args %q lack %s", c.Args, want)
		}
	}

	// Probes on /healthz and /readyz, on the container's port.
	probe := func(what string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe over HTTP", what)
			return
		}
		if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe: %s on %s, want %s on http", what, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
		}
	}
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("startup", c.StartupProbe, "/healthz")
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v, want http 8080", c.Ports)
	}

	// Requests and limits, the memory limit holding every compile the gateway allows at once.
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		req, lim := c.Resources.Requests[name], c.Resources.Limits[name]
		if req.IsZero() || lim.IsZero() || lim.Cmp(req) < 0 {
			t.Errorf("%s: request %s, limit %s: want both, the limit at least the request", name, req.String(), lim.String())
		}
	}
	jobs, _ := flagValue(c.Args, "compile-jobs")
	perCompile, _ := flagValue(c.Args, "compile-memory")
	need := resource.MustParse(strings.TrimSuffix(perCompile, "B"))
	need.Mul(int64(atoi(t, jobs)))
	need.Add(resource.MustParse("256Mi")) // the gateway itself, with room
	if lim := c.Resources.Limits[corev1.ResourceMemory]; lim.Cmp(need) < 0 {
		t.Errorf("memory limit %s is below %s compiles of %s and the gateway (%s)", lim.String(), jobs, perCompile, need.String())
	}

	// Not root, no privileges, a read-only root file system, for the init container too.
	ps := pod.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
		t.Errorf("pod security context %+v: want runAsNonRoot and a user other than 0", ps)
	}
	for _, c := range append(slices.Clone(pod.InitContainers), c) {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != *ps.RunAsUser ||
			sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("container %s security context %+v: want non-root, read-only root, no escalation, no capabilities", c.Name, sc)
		}
	}
	if *ps.RunAsUser != dockerfileUID(t) {
		t.Errorf("the pod runs as %d, the image's user is %d", *ps.RunAsUser, dockerfileUID(t))
	}

	// The writable places are volumes, the cache large enough for both caches the gateway keeps.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	for _, path := range []string{"/var/cache/socketlab", "/var/lib/socketlab", "/tmp"} {
		v, ok := vols[mounts[path]]
		if !ok || (v.EmptyDir == nil && v.PersistentVolumeClaim == nil) {
			t.Errorf("%s: mounted from %q, want a volume of its own", path, mounts[path])
		}
	}
	if cache := vols[mounts["/var/cache/socketlab"]].EmptyDir; cache != nil {
		gc, _ := flagValue(c.Args, "gocache-size")
		ps, _ := flagValue(c.Args, "programs-size")
		both := resource.MustParse(strings.TrimSuffix(gc, "B"))
		both.Add(resource.MustParse(strings.TrimSuffix(ps, "B")))
		if cache.SizeLimit == nil || cache.SizeLimit.Cmp(both) < 0 {
			t.Errorf("cache volume of %v, below --gocache-size %s and --programs-size %s", cache.SizeLimit, gc, ps)
		}
	}
	if len(pod.InitContainers) != 1 {
		t.Fatalf("init containers %+v: want the cache seeded from the image", pod.InitContainers)
	}
	checkSeed(t, pod.InitContainers[0], *ps.RunAsUser)
}

// checkSeed runs the init container's command for real, on directories standing for the
// image's cache and the empty volume (a root-owned directory, as an emptyDir is), as an
// unprivileged user when the test runs as root: it must copy everything, times included, and
// succeed.
func checkSeed(t *testing.T, c corev1.Container, uid int64) {
	t.Helper()
	mount := ""
	for _, m := range c.VolumeMounts {
		mount = m.MountPath
	}
	root, err := os.MkdirTemp("", "socketlab-seed-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	os.Chmod(root, 0o755)
	image, volume := filepath.Join(root, "image"), filepath.Join(root, "volume")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, f := range []string{"build/ws/a/go.mod", "gocache/00/abc-a", "gocache/README"} {
		p := filepath.Join(image, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p, []byte(f), 0o644)
		os.Chtimes(p, old, old)
	}
	os.Mkdir(volume, 0o777)
	os.Chmod(volume, 0o777)
	var args []string
	for _, a := range c.Command {
		a = strings.ReplaceAll(a, "/var/cache/socketlab", image)
		args = append(args, strings.ReplaceAll(a, strings.TrimSuffix(mount, "/"), volume))
	}
	cmd := exec.Command(args[0], args[1:]...)
	if os.Geteuid() == 0 {
		filepath.Walk(image, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, int(uid), int(uid)) })
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the init container's %q: %v\n%s", c.Command, err, out)
	}
	for _, f := range []string{"build/ws/a/go.mod", "gocache/00/abc-a", "gocache/README"} {
		fi, err := os.Stat(filepath.Join(volume, f))
		if err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("%s in the seeded volume: %v %v, want it with its time %v", f, fi, err, old)
		}
	}

	// A volume that holds a cache (a shared one, which another replica seeded and uses) is
	// left as it is.
	used := filepath.Join(volume, "gocache", "README")
	os.WriteFile(used, []byte("in use"), 0o644)
	again := exec.Command(cmd.Args[0], cmd.Args[1:]...)
	again.SysProcAttr = cmd.SysProcAttr
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("the init container's command on a seeded volume: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(used); string(b) != "in use" {
		t.Errorf("seeding a volume that holds a cache rewrote %s: %q", used, b)
	}
}

// sameAsDefault says whether value is the default usage.golden gives the flag.
func sameAsDefault(t *testing.T, flag, value string) bool {
	b, err := os.ReadFile("../internal/cli/testdata/usage.golden")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(flag) + ` .*\n.*\(default ([^)]+)\)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("usage.golden gives no default for --%s", flag)
	}
	def := string(m[1])
	if d1, err := time.ParseDuration(def); err == nil {
		d2, err := time.ParseDuration(value)
		return err == nil && d1 == d2
	}
	return def == value
}

func atoi(t *testing.T, s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("%q is not a number", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// checkAround: the Services select the Deployment's pods, the autoscaler scales it on CPU (for
// solo learners), and the disruption budget covers its pods.
func checkAround(t *testing.T, r *rendered, d *appsv1.Deployment, class bool) {
	t.Helper()
	labels := d.Spec.Template.Labels
	selects := func(sel map[string]string) bool {
		for k, v := range sel {
			if labels[k] != v {
				return false
			}
		}
		return len(sel) > 0
	}
	if !selects(d.Spec.Selector.MatchLabels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector.MatchLabels, labels)
	}
	if len(r.services) != 2 {
		t.Errorf("%d Services, want 2 (solo and class)", len(r.services))
	}
	for _, s := range r.services {
		if !selects(s.Spec.Selector) || len(s.Spec.Ports) != 1 || s.Spec.Ports[0].TargetPort.String() != "http" {
			t.Errorf("Service %s: selector %v, ports %+v", s.Name, s.Spec.Selector, s.Spec.Ports)
		}
	}
	if class {
		// A new replica would take its place in the hash ring, and a class whose hash lands
		// there would find nobody who joined: replicas are fixed while a class runs.
		if len(r.hpas) != 0 || d.Spec.Replicas == nil || *d.Spec.Replicas < 1 {
			t.Errorf("a class release: %d autoscalers, replicas %v; want none and a fixed count", len(r.hpas), d.Spec.Replicas)
		}
	} else if len(r.hpas) != 1 {
		t.Fatalf("%d autoscalers, want 1", len(r.hpas))
	} else if checkHPA(t, r.hpas[0], d); d.Spec.Replicas != nil {
		t.Error("the Deployment sets replicas while the autoscaler owns them")
	}
	if len(r.pdbs) != 1 || r.pdbs[0].Spec.Selector == nil || !selects(r.pdbs[0].Spec.Selector.MatchLabels) || r.pdbs[0].Spec.MaxUnavailable == nil {
		t.Errorf("disruption budgets %+v: want one over the gateway's pods", r.pdbs)
	}
}

func checkHPA(t *testing.T, h *autoscalingv2.HorizontalPodAutoscaler, d *appsv1.Deployment) {
	t.Helper()
	if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name ||
		len(h.Spec.Metrics) != 1 || h.Spec.Metrics[0].Resource == nil || h.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU ||
		h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		t.Errorf("autoscaler %+v: want the Deployment scaled on CPU, at least 2 replicas", h.Spec)
	}
}

// checkIngress: one rule for host, everything to service's http port, WebSockets kept open.
func checkIngress(t *testing.T, in *networkingv1.Ingress, host, service string, r *rendered) {
	t.Helper()
	if in.Spec.IngressClassName == nil || *in.Spec.IngressClassName != "nginx" {
		t.Errorf("Ingress %s: class %v, want nginx", in.Name, in.Spec.IngressClassName)
	}
	if len(in.Spec.Rules) != 1 || in.Spec.Rules[0].Host != host || in.Spec.Rules[0].HTTP == nil || len(in.Spec.Rules[0].HTTP.Paths) != 1 {
		t.Fatalf("Ingress %s rules %+v: want one for %s", in.Name, in.Spec.Rules, host)
	}
	p := in.Spec.Rules[0].HTTP.Paths[0]
	if p.Path != "/" || p.PathType == nil || *p.PathType != networkingv1.PathTypePrefix || p.Backend.Service == nil ||
		p.Backend.Service.Name != service || p.Backend.Service.Port.Name != "http" {
		t.Errorf("Ingress %s path %+v: want / to %s:http", in.Name, p, service)
	}
	if !slices.ContainsFunc(r.services, func(s *corev1.Service) bool { return s.Name == service }) {
		t.Errorf("Ingress %s sends to %s, which the chart does not render", in.Name, service)
	}
	if in.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] != "3600" {
		t.Errorf("Ingress %s: proxy-read-timeout %q, want 3600 (WebSockets last as long as a program)", in.Name, in.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])
	}
}
