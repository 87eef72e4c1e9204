package deploy_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const provisioning = "/etc/grafana/provisioning"

// TestGrafanaProvisioning: compose mounts the provisioning folder where
// Grafana reads it; the datasource is the compose Prometheus, default, with
// a fixed uid; the dashboard provider reads the folder compose mounts from
// the repository's dashboards/, which holds dashboards that select their
// datasource through a variable (or the provisioned uid).
func TestGrafanaProvisioning(t *testing.T) {
	c, _, _ := loadCompose(t, dummyEnv(t))
	if h := hostPath(t, c, "grafana", provisioning); filepath.Clean(h) != filepath.Join("grafana", "provisioning") {
		t.Errorf("grafana's %s is %s in the repository, want grafana/provisioning", provisioning, h)
	}

	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name      string         `yaml:"name"`
			UID       string         `yaml:"uid"`
			Type      string         `yaml:"type"`
			Access    string         `yaml:"access"`
			URL       string         `yaml:"url"`
			IsDefault bool           `yaml:"isDefault"`
			JSONData  map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, hostPath(t, c, "grafana", provisioning+"/datasources/prometheus.yml"), &ds)
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 {
		t.Fatalf("datasources: apiVersion %d with %d datasources, want 1 and 1", ds.APIVersion, len(ds.Datasources))
	}
	d := ds.Datasources[0]
	if d.Type != "prometheus" || d.UID != "runway-prometheus" || !d.IsDefault || d.Access != "proxy" {
		t.Errorf("datasource %+v: want the default prometheus, uid runway-prometheus, access proxy", d)
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	if u.Scheme != "http" || u.Hostname() != "prometheus" || !slices.Contains(containerPorts(t, c, "prometheus"), port) {
		t.Errorf("datasource url %s: want the prometheus service on a port it publishes (%v)", d.URL, containerPorts(t, c, "prometheus"))
	}
	var prom struct {
		Global struct {
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"global"`
	}
	readYAML(t, filepath.Join("prometheus", "prometheus.compose.yml"), &prom)
	if d.JSONData["timeInterval"] != prom.Global.ScrapeInterval {
		t.Errorf("datasource timeInterval %v, want the compose scrape_interval %s", d.JSONData["timeInterval"], prom.Global.ScrapeInterval)
	}

	var dp struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string `yaml:"name"`
			Folder  string `yaml:"folder"`
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, hostPath(t, c, "grafana", provisioning+"/dashboards/runway.yml"), &dp)
	if dp.APIVersion != 1 || len(dp.Providers) != 1 {
		t.Fatalf("dashboard providers: apiVersion %d with %d providers, want 1 and 1", dp.APIVersion, len(dp.Providers))
	}
	p := dp.Providers[0]
	if p.Type != "file" || p.Folder != "Runway" {
		t.Errorf("dashboard provider %+v: want type file, folder Runway", p)
	}
	dir := hostPath(t, c, "grafana", p.Options.Path)
	if filepath.Clean(dir) != filepath.Join("..", "dashboards") {
		t.Errorf("dashboard provider reads %s, which compose mounts from %s, want ../dashboards", p.Options.Path, dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no dashboards in %s for Grafana to load", dir)
	}
	for _, f := range files {
		checkDashboard(t, f)
	}
	if home, ok := c.Services["grafana"].Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]; ok {
		if !strings.HasPrefix(home, p.Options.Path+"/") || path.Ext(home) != ".json" {
			t.Errorf("home dashboard %s is not one the provider loads from %s", home, p.Options.Path)
		} else if _, err := os.Stat(hostPath(t, c, "grafana", home)); err != nil {
			t.Errorf("home dashboard: %v", err)
		}
	}
}

// checkDashboard: a dashboard JSON with a uid, whose datasource references
// are a template variable or the provisioned uid, so it works with the
// provisioned datasource.
func checkDashboard(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Errorf("%s: %v", file, err)
		return
	}
	if uid, _ := dash["uid"].(string); uid == "" {
		t.Errorf("%s: no uid (provisioning would give it a new one on every start)", file)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["datasource"].(map[string]any); ok {
				uid, _ := ref["uid"].(string)
				typ, _ := ref["type"].(string)
				if !strings.HasPrefix(uid, "$") && uid != "runway-prometheus" && typ != "grafana" && typ != "datasource" {
					t.Errorf("%s: datasource %v is neither a variable nor the provisioned runway-prometheus", file, ref)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(dash)
}
