package deploy_test

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// No Docker engine runs here, so docker-compose.yml is checked as `docker
// compose config` and a first `up` would find it: its shape, that what it
// mounts and builds exists, and that its parts point at each other.

const (
	composeFile = "docker-compose.yml"
	envExample  = ".env.example"
)

type compose struct {
	Name     string             `yaml:"name"`
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

// service holds the keys docker-compose.yml uses, decoded strictly: a key
// not listed here (a typo compose would refuse) fails the test. Add keys
// here as the file needs them.
type service struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
	Restart         string         `yaml:"restart"`
	Ulimits         map[string]any `yaml:"ulimits"`
}

// exampleEnv reads the variable names .env.example lists.
func exampleEnv(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not NAME=value", envExample, line)
		}
		names = append(names, name)
	}
	return names
}

// dummyEnv gives every variable of .env.example a distinct value that is
// safe in a URL, as a user's filled-in .env would.
func dummyEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, n := range exampleEnv(t) {
		env[n] = "dummy" + strings.ToLower(strings.ReplaceAll(n, "_", ""))
	}
	return env
}

// loadCompose reads docker-compose.yml interpolated with env, returning
// the variables it references and the errors compose would give.
func loadCompose(t *testing.T, env map[string]string) (compose, []composeVar, []string) {
	t.Helper()
	data, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	refs, errs := interpolateNode(&doc, env)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	var c compose
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	return c, refs, errs
}

// mount is one short-syntax volume entry.
type mount struct {
	src, dst, mode string
	bind           bool // src is a host path; else a named volume
}

func parseMount(t *testing.T, svc, s string) mount {
	t.Helper()
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		t.Fatalf("service %s: volume %q: want SOURCE:TARGET[:MODE]", svc, s)
	}
	m := mount{src: parts[0], dst: parts[1]}
	if len(parts) == 3 {
		m.mode = parts[2]
	}
	m.bind = strings.HasPrefix(m.src, ".") || strings.HasPrefix(m.src, "/")
	return m
}

// hostPath returns the repository file or folder (relative to deploy/)
// that a service sees at the container path p, through its bind mounts.
func hostPath(t *testing.T, c compose, svc, p string) string {
	t.Helper()
	for _, v := range c.Services[svc].Volumes {
		m := parseMount(t, svc, v)
		if !m.bind {
			continue
		}
		if rel, err := filepath.Rel(m.dst, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join(m.src, rel)
		}
	}
	t.Fatalf("service %s: nothing of the repository is mounted at %s", svc, p)
	return ""
}

// publishedPort is one ports entry: [IP:]HOST:CONTAINER[/PROTO].
type publishedPort struct {
	ip              string
	host, container int
}

func parsePort(t *testing.T, svc, s string) publishedPort {
	t.Helper()
	spec, _, _ := strings.Cut(s, "/")
	parts := strings.Split(spec, ":")
	var p publishedPort
	var nums []string
	switch len(parts) {
	case 2:
		nums = parts
	case 3:
		p.ip, nums = parts[0], parts[1:]
		if net.ParseIP(p.ip) == nil {
			t.Errorf("service %s: port %q: %q is not an IP address", svc, s, p.ip)
		}
	default:
		t.Fatalf("service %s: port %q: want [IP:]HOST:CONTAINER", svc, s)
	}
	for i, n := range nums {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 || v > 65535 {
			t.Fatalf("service %s: port %q: %q is not a port", svc, s, n)
		}
		if i == 0 {
			p.host = v
		} else {
			p.container = v
		}
	}
	return p
}

// containerPorts are the ports a service publishes, inside its container.
func containerPorts(t *testing.T, c compose, svc string) []int {
	t.Helper()
	var out []int
	for _, s := range c.Services[svc].Ports {
		out = append(out, parsePort(t, svc, s).container)
	}
	return out
}

// TestComposeVariables: compose refuses to start without the stack's own
// passwords and API tokens (no empty-password default), and .env.example
// lists exactly the variables the file reads.
func TestComposeVariables(t *testing.T) {
	listed := exampleEnv(t)
	_, refs, errs := loadCompose(t, map[string]string{})
	var required, referenced []string
	for _, r := range refs {
		referenced = append(referenced, r.Name)
		if r.Required {
			required = append(required, r.Name)
		}
	}
	for _, n := range []string{"CLICKHOUSE_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "RUNWAY_READ_TOKEN", "RUNWAY_ADMIN_TOKEN"} {
		if !slices.Contains(required, n) {
			t.Errorf("%s does not require %s (${%s:?...}): the stack would start without it", composeFile, n, n)
		}
	}
	for _, n := range required {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, n+":") }) {
			t.Errorf("interpolating with no variables set reported no error for %s (%v)", n, errs)
		}
	}
	for _, n := range referenced {
		if !slices.Contains(listed, n) {
			t.Errorf("%s reads %s, which %s does not list", composeFile, n, envExample)
		}
	}
	for _, n := range listed {
		if !slices.Contains(referenced, n) {
			t.Errorf("%s lists %s, which %s never reads", envExample, n, composeFile)
		}
	}
	if _, _, errs := loadCompose(t, dummyEnv(t)); len(errs) > 0 {
		t.Errorf("with every variable of %s set, compose still refuses: %v", envExample, errs)
	}
}

// wantPorts are the host ports README.md's Deploy section promises.
var wantPorts = map[string]int{"runway": 8080, "prometheus": 9090, "alertmanager": 9093, "grafana": 3000}

// TestComposeServices checks each service on its own: an image (pinned) or
// a build whose context and Dockerfile exist, mounts of existing repository
// paths and of declared volumes, dependencies on services that exist (and
// have a healthcheck when waited for healthy), valid and distinct ports.
func TestComposeServices(t *testing.T) {
	c, _, _ := loadCompose(t, dummyEnv(t))
	if len(c.Services) == 0 {
		t.Fatalf("%s has no services", composeFile)
	}
	for _, want := range []string{"clickhouse", "runway", "prometheus", "alertmanager", "grafana"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("no service %s", want)
		}
	}
	usedVolumes := map[string]bool{}
	hostPorts := map[int]string{}
	for name, s := range c.Services {
		switch {
		case s.Build != nil:
			ctx := filepath.Join(".", s.Build.Context)
			if fi, err := os.Stat(ctx); err != nil || !fi.IsDir() {
				t.Errorf("service %s: build context %s is not a folder", name, s.Build.Context)
			}
			df := s.Build.Dockerfile
			if df == "" {
				df = "Dockerfile"
			}
			if _, err := os.Stat(filepath.Join(ctx, df)); err != nil {
				t.Errorf("service %s: no Dockerfile %s in its context: %v", name, df, err)
			}
		case s.Image == "":
			t.Errorf("service %s has neither image nor build", name)
		default:
			// Pinned, so that an `up` next year runs what was checked.
			if i := strings.LastIndex(s.Image, ":"); i < 0 || strings.Contains(s.Image[i:], "/") || s.Image[i+1:] == "latest" {
				t.Errorf("service %s: image %s has no pinned tag", name, s.Image)
			}
		}
		for _, v := range s.Volumes {
			m := parseMount(t, name, v)
			if !path.IsAbs(m.dst) {
				t.Errorf("service %s: volume %q: target is not absolute", name, v)
			}
			if m.mode != "" && m.mode != "ro" && m.mode != "rw" {
				t.Errorf("service %s: volume %q: mode %q", name, v, m.mode)
			}
			switch {
			case m.bind && filepath.IsAbs(m.src):
				t.Errorf("service %s: volume %q: bind-mount repository paths (relative), not host paths", name, v)
			case m.bind:
				if _, err := os.Stat(m.src); err != nil {
					t.Errorf("service %s: volume %q: %v", name, v, err)
				}
			default:
				usedVolumes[m.src] = true
				if _, ok := c.Volumes[m.src]; !ok {
					t.Errorf("service %s: volume %s is not declared under volumes", name, m.src)
				}
			}
		}
		for dep, d := range s.DependsOn {
			target, ok := c.Services[dep]
			switch {
			case !ok || dep == name:
				t.Errorf("service %s depends on %s, which is not another service", name, dep)
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				t.Errorf("service %s waits for %s to be healthy, which has no healthcheck", name, dep)
			case !slices.Contains([]string{"service_started", "service_healthy", "service_completed_successfully"}, d.Condition):
				t.Errorf("service %s: depends_on %s: condition %q", name, dep, d.Condition)
			}
		}
		if h := s.Healthcheck; h != nil && (len(h.Test) < 2 || (h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL")) {
			t.Errorf("service %s: healthcheck test %q: want [CMD, ...]", name, h.Test)
		}
		for _, p := range s.Ports {
			pp := parsePort(t, name, p)
			if other, dup := hostPorts[pp.host]; dup {
				t.Errorf("services %s and %s both publish host port %d", other, name, pp.host)
			}
			hostPorts[pp.host] = name
			if ip := net.ParseIP(pp.ip); ip == nil || !ip.IsLoopback() {
				t.Errorf("service %s publishes %q beyond loopback; the README says loopback", name, p)
			}
		}
		if want, ok := wantPorts[name]; ok && !slices.Contains(publishedHostPorts(t, c, name), want) {
			t.Errorf("service %s does not publish host port %d", name, want)
		}
	}
	for v := range c.Volumes {
		if !usedVolumes[v] {
			t.Errorf("volume %s is declared but no service mounts it", v)
		}
	}
}

func publishedHostPorts(t *testing.T, c compose, svc string) []int {
	t.Helper()
	var out []int
	for _, s := range c.Services[svc].Ports {
		out = append(out, parsePort(t, svc, s).host)
	}
	return out
}

// flagValue returns the value of --name=value in a command list.
func flagValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// TestComposePrometheus: the Prometheus service's config is the compose
// variant here, its rule files are mounted beside it, and its scrape and
// Alertmanager targets are services on ports they publish.
func TestComposePrometheus(t *testing.T) {
	c, _, _ := loadCompose(t, dummyEnv(t))
	p := c.Services["prometheus"]
	cfgPath, ok := flagValue(p.Command, "config.file")
	if !ok {
		t.Fatalf("prometheus: no --config.file in command %q", p.Command)
	}
	host := hostPath(t, c, "prometheus", cfgPath)
	if filepath.Clean(host) != filepath.Join("prometheus", "prometheus.compose.yml") {
		t.Errorf("prometheus runs %s, want prometheus/prometheus.compose.yml (the file promtool checks)", host)
	}
	var cfg struct {
		RuleFiles []string `yaml:"rule_files"`
		Alerting  struct {
			Alertmanagers []struct {
				StaticConfigs []struct {
					Targets []string `yaml:"targets"`
				} `yaml:"static_configs"`
			} `yaml:"alertmanagers"`
		} `yaml:"alerting"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, host, &cfg)
	if len(cfg.RuleFiles) == 0 {
		t.Error("the compose Prometheus loads no rule files")
	}
	for _, rf := range cfg.RuleFiles {
		in := rf
		if !path.IsAbs(in) {
			in = path.Join(path.Dir(cfgPath), rf)
		}
		if h := hostPath(t, c, "prometheus", in); filepath.Clean(h) != filepath.Clean(rulesFile) {
			t.Errorf("rule file %s is %s in the repository, want %s", rf, h, rulesFile)
		}
	}
	checkTarget := func(what, target, wantSvc string) {
		h, port, err := net.SplitHostPort(target)
		n, _ := strconv.Atoi(port)
		switch {
		case err != nil:
			t.Errorf("%s target %q: %v", what, target, err)
		case h != wantSvc:
			t.Errorf("%s target %q: want service %s", what, target, wantSvc)
		case !slices.Contains(containerPorts(t, c, h), n):
			t.Errorf("%s target %q: service %s listens on %v", what, target, h, containerPorts(t, c, h))
		}
	}
	var scraped, alerted int
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				checkTarget("scrape job "+sc.JobName, tg, "runway")
				scraped++
			}
		}
	}
	for _, am := range cfg.Alerting.Alertmanagers {
		for _, st := range am.StaticConfigs {
			for _, tg := range st.Targets {
				checkTarget("alerting", tg, "alertmanager")
				alerted++
			}
		}
	}
	if scraped == 0 || alerted == 0 {
		t.Errorf("the compose Prometheus scrapes %d targets and alerts %d Alertmanagers, want both", scraped, alerted)
	}

	a := c.Services["alertmanager"]
	amPath, ok := flagValue(a.Command, "config.file")
	if !ok {
		t.Fatalf("alertmanager: no --config.file in command %q", a.Command)
	}
	if h := hostPath(t, c, "alertmanager", amPath); filepath.Clean(h) != filepath.Clean(alertmanagerConfig) {
		t.Errorf("alertmanager runs %s, want %s (the file amtool checks)", h, alertmanagerConfig)
	}
}
