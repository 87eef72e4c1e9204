package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// generated lists the dashboards Build writes, by file name.
var generated = []struct {
	file  string
	build func() *dashboard.DashboardBuilder
}{
	{"overview.json", overview},
	{"milestones.json", milestones},
	{"sprints.json", sprints},
	{"support.json", support},
	{"collectors.json", collectors},
}

// Build generates every dashboard as the JSON to commit, by file name. The
// output is deterministic: object keys sorted, two-space indent, a
// trailing newline, so regenerating unchanged code changes no byte.
func Build() (map[string][]byte, error) {
	out := make(map[string][]byte, len(generated))
	for _, g := range generated {
		d, err := g.build().Build()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", g.file, err)
		}
		numberPanels(&d)
		data, err := render(d)
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", g.file, err)
		}
		out[g.file] = data
	}
	return out, nil
}

// newDashboard starts a Runway dashboard: tagged runway, linked to the
// other Runway dashboards (keeping time and variables), with the
// datasource variable first and then vars.
//
// The SDK marks the classic dashboard model deprecated in favour of its v2
// schema, but v2 is not what Grafana's file provisioning and the
// dashboard import API take today; the classic model is.
func newDashboard(uid, title, description string, vars ...*dashboard.QueryVariableBuilder) *dashboard.DashboardBuilder {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"runway"}).
		Time("now-7d", "now").
		Refresh("5m").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("Runway").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"runway"}).
			Icon("external link").
			Tooltip("Runway's other dashboards").
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true)).
		WithVariable(dashboard.NewDatasourceVariableBuilder(datasourceVar).
			Label("Data source").
			Type("prometheus"))
	for _, v := range vars {
		b.WithVariable(v)
	}
	return b
}

// numberPanels gives every panel and row a dashboard-unique id in layout
// order: Grafana keys panel links, edits and "view panel" on it.
func numberPanels(d *dashboard.Dashboard) {
	id := uint32(0)
	next := func() uint32 { id++; return id }
	for _, p := range d.Panels {
		switch {
		case p.Panel != nil:
			n := next()
			p.Panel.Id = &n
		case p.RowPanel != nil:
			p.RowPanel.Id = next()
			for i := range p.RowPanel.Panels {
				n := next()
				p.RowPanel.Panels[i].Id = &n
			}
		}
	}
}

// render is the canonical JSON of v: keys sorted (it goes through a
// generic map), no HTML escaping (PromQL is full of < and >), indented,
// with a trailing newline.
func render(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
