package deploy_test

import (
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/sources"
)

// TestComposeRunway loads the Runway service's config the way the container
// does: the file its --config names, through its mount, by Runway's own
// strict loader, with exactly the service's environment (the .env
// variables set to dummies). It must serve beyond loopback on the port the
// service publishes, store into the clickhouse service with the user,
// password and database that service creates, and get the stop grace its
// shutdown needs.
func TestComposeRunway(t *testing.T) {
	c, _, _ := loadCompose(t, dummyEnv(t))
	rw := c.Services["runway"]
	if rw.Build == nil {
		t.Fatal("service runway is not built from the repository")
	}
	if df := filepath.Join(rw.Build.Context, rw.Build.Dockerfile); filepath.Clean(df) != filepath.Join("..", "deploy", "Dockerfile") {
		t.Errorf("service runway builds %s, want deploy/Dockerfile (the one checked here)", df)
	}
	flags := checkServeArgs(t, "service runway", rw.Command)
	cfgPath, ok := flags["config"]
	if !ok {
		t.Fatalf("service runway: command %q has no --config", rw.Command)
	}
	file := hostPath(t, c, "runway", cfgPath)
	if filepath.Clean(file) != "runway.compose.yaml" {
		t.Errorf("service runway reads %s, want runway.compose.yaml", file)
	}
	types := sources.Registry().ConfigTypes()
	cfg, err := config.Load(file, config.MapEnv(rw.Environment), types)
	if err != nil {
		t.Fatalf("runway's config with the service's environment: %v", err)
	}

	host, port, err := net.SplitHostPort(cfg.API.Listen)
	if err != nil {
		t.Fatal(err)
	}
	if config.IsLoopback(cfg.API.Listen) {
		t.Errorf("api.listen %s: loopback inside the container, unreachable for Prometheus and the published port", cfg.API.Listen)
	}
	if n, _ := strconv.Atoi(port); !slices.Contains(containerPorts(t, c, "runway"), n) {
		t.Errorf("api.listen %s:%s: the service publishes %v", host, port, containerPorts(t, c, "runway"))
	}
	if len(cfg.Sources) == 0 {
		t.Error("the compose config has no sources")
	}

	ch := c.Services["clickhouse"].Environment
	checkDSN := func(what, dsn string, withPassword bool) {
		t.Helper()
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		pw, _ := u.User.Password()
		switch {
		case u.Scheme != "clickhouse":
			t.Errorf("%s: scheme %s, want clickhouse", what, u.Scheme)
		case u.Hostname() != "clickhouse" || u.Port() != "9000":
			t.Errorf("%s: server %s, want the clickhouse service's native port clickhouse:9000", what, u.Host)
		case u.User.Username() != ch["CLICKHOUSE_USER"] || u.Path != "/"+ch["CLICKHOUSE_DB"]:
			t.Errorf("%s: user %s, database %s; the clickhouse service creates user %s, database %s",
				what, u.User.Username(), u.Path, ch["CLICKHOUSE_USER"], ch["CLICKHOUSE_DB"])
		case withPassword && pw != ch["CLICKHOUSE_PASSWORD"]:
			t.Errorf("%s: not the clickhouse service's password", what)
		}
	}
	if cfg.Storage.Target.Backend() != "clickhouse" {
		t.Errorf("storage backend %s, want clickhouse", cfg.Storage.Target.Backend())
	}
	checkDSN("storage.dsn with the service's environment", cfg.Storage.DSN, true)
	// The file alone names the same server (the environment adds the password).
	fileOnly := maps.Clone(rw.Environment)
	delete(fileOnly, "RUNWAY_STORAGE_DSN")
	fcfg, err := config.Load(file, config.MapEnv(fileOnly), types)
	if err != nil {
		t.Fatal(err)
	}
	checkDSN("storage.dsn of "+file, fcfg.Storage.DSN, false)

	// Every token the config reads comes from the service's environment, and
	// the API tokens compose insists on.
	for _, tok := range cfg.API.Tokens {
		env := dummyEnv(t)
		delete(env, tok.TokenEnv)
		if _, _, errs := loadCompose(t, env); !slices.ContainsFunc(errs, func(e string) bool {
			return strings.HasPrefix(e, tok.TokenEnv+":")
		}) {
			t.Errorf("compose starts without %s (api token %s)", tok.TokenEnv, tok.Name)
		}
	}

	if d := rw.DependsOn["clickhouse"]; d.Condition != "service_healthy" {
		t.Errorf("service runway does not wait for clickhouse to be healthy (depends_on: %+v)", rw.DependsOn)
	}
	grace, err := time.ParseDuration(rw.StopGracePeriod)
	if err != nil {
		t.Fatalf("service runway: stop_grace_period %q: %v", rw.StopGracePeriod, err)
	}
	if grace <= cfg.API.ShutdownTimeout.D() {
		t.Errorf("service runway: stop_grace_period %s, not above api.shutdown_timeout %s: Docker kills running collections",
			grace, cfg.API.ShutdownTimeout.D())
	}
}
