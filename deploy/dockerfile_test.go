package deploy_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	stage int // index of the FROM it belongs to
	op    string
	args  string
}

func parseDockerfile(t *testing.T, file string) []instruction {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	stage, cur := -1, ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if more, ok := strings.CutSuffix(line, "\\"); ok {
			cur += more + " "
			continue
		}
		cur += line
		op, args, _ := strings.Cut(cur, " ")
		cur = ""
		op = strings.ToUpper(op)
		if op == "FROM" {
			stage++
		}
		out = append(out, instruction{stage: stage, op: op, args: strings.TrimSpace(args)})
	}
	return out
}

// execForm decodes a JSON-array (exec form) argument list.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil {
		t.Fatalf("%s %s: want the exec form [\"...\"]: %v", in.op, in.args, err)
	}
	return v
}

// TestDockerfile: the image builds ./cmd/runway with the module's Go
// version and no cgo, as the build in these tests does; the runtime stage
// has the libc that binary is linked against, runs it as a non-root user
// with the command compose gives, and exposes the port Runway listens on;
// and the ignore file leaves every file of the build in the context.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	var froms []instruction
	for _, in := range ins {
		if in.op == "FROM" {
			froms = append(froms, in)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and a runtime stage", len(froms))
	}
	last := len(froms) - 1

	// The Go image is the module's Go version.
	goVersion := moduleGoVersion(t)
	image, name, _ := strings.Cut(froms[0].args, " AS ")
	if !strings.HasPrefix(image, "golang:"+goVersion+"-") && image != "golang:"+goVersion {
		t.Errorf("build stage FROM %s, want golang:%s (go.mod)", image, goVersion)
	}
	name = strings.TrimSpace(name)

	var binary string
	for _, in := range ins {
		if in.stage != 0 || in.op != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		f := strings.Fields(in.args)
		if f[len(f)-1] != "./cmd/runway" {
			t.Errorf("go build builds %s, want ./cmd/runway", f[len(f)-1])
		}
		if !slices.Contains(f, "CGO_ENABLED=0") {
			t.Error("go build without CGO_ENABLED=0: the runtime stage has no C toolchain's libraries beyond libc")
		}
		if i := slices.Index(f, "-o"); i >= 0 && i+1 < len(f) {
			binary = f[i+1]
		}
	}
	if binary == "" {
		t.Fatal("Dockerfile: no `go build -o FILE ./cmd/runway` in the build stage")
	}

	var entry, cmd []string
	var user, copied string
	var exposed []int
	for _, in := range ins {
		if in.stage != last {
			continue
		}
		switch in.op {
		case "COPY":
			f := strings.Fields(in.args)
			if len(f) == 3 && f[0] == "--from="+name && f[1] == binary {
				copied = f[2]
			}
		case "ENTRYPOINT":
			entry = execForm(t, in)
		case "CMD":
			cmd = execForm(t, in)
		case "USER":
			user = in.args
		case "EXPOSE":
			for _, p := range strings.Fields(in.args) {
				n, _ := strconv.Atoi(strings.TrimSuffix(p, "/tcp"))
				exposed = append(exposed, n)
			}
		}
	}
	if copied == "" || !slices.Equal(entry, []string{copied}) {
		t.Errorf("runtime stage: ENTRYPOINT %q, want the binary copied from stage %s (%s)", entry, name, copied)
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("runtime stage runs as %q, want a non-root user", user)
	}
	checkServeArgs(t, "Dockerfile CMD", cmd)
	c, _, _ := loadCompose(t, dummyEnv(t))
	if rw := c.Services["runway"]; !slices.Equal(rw.Command, cmd) {
		t.Errorf("compose runs %q, the image %q: keep them one command", rw.Command, cmd)
	}
	for _, p := range containerPorts(t, c, "runway") {
		if !slices.Contains(exposed, p) {
			t.Errorf("the image does not EXPOSE %d, the port compose publishes", p)
		}
	}

	// Built this way the binary still has an ELF interpreter (purego dlopens
	// libchdb): the runtime base must have a libc.
	f, err := elf.Open(runwayBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dynamic := slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP })
	base := froms[last].args
	if dynamic && (base == "scratch" || strings.Contains(base, "static")) {
		t.Errorf("runtime stage FROM %s has no libc, and runway is dynamically linked", base)
	}

	checkDockerignore(t)
}

// moduleGoVersion is go.mod's go directive as major.minor.
func moduleGoVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			parts := strings.Split(v, ".")
			if len(parts) >= 2 {
				return parts[0] + "." + parts[1]
			}
		}
	}
	t.Fatal("go.mod has no go directive")
	return ""
}

// checkDockerignore: no pattern of Dockerfile.dockerignore (BuildKit's
// per-Dockerfile ignore file) leaves out go.mod, go.sum or a Go or embedded
// file of a package runway is built from.
func checkDockerignore(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "!") {
			patterns = append(patterns, strings.TrimPrefix(line, "/"))
		}
	}
	stdout, stderr, err := run(t, "go", "list", "-C", repoRoot, "-deps",
		"-f", `{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"./cmd/runway")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	for line := range strings.Lines(stdout) {
		if rel, err := filepath.Rel(root, strings.TrimSpace(line)); err == nil && rel != "." {
			files = append(files, rel)
		}
	}
	if len(files) < 10 {
		t.Fatalf("go list found only %v", files)
	}
	for _, f := range files {
		// A pattern excludes a path when it matches the path or a folder
		// above it.
		for p := f; p != "." && p != "/"; p = filepath.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := filepath.Match(pat, p); ok {
					t.Errorf("Dockerfile.dockerignore: %q leaves %s out of the build", pat, f)
				}
			}
		}
	}
}
