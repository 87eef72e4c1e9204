// Package dashboards holds Runway's Grafana dashboards (DESIGN.md §2): the
// JSON files next to this file, generated from the Go in this package with
// Grafana's foundation SDK, and the API tests use to read them back.
//
// Regenerate after changing the Go: go generate ./dashboards. The tests
// fail while the committed files differ from what the code generates.
package dashboards

//go:generate go run ./gen

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
)

//go:embed *.json
var files embed.FS

// Files returns the committed dashboard files by name.
func Files() map[string][]byte {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err) // an embed.FS always reads
	}
	out := make(map[string][]byte, len(entries))
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		out[e.Name()] = data
	}
	return out
}

// Query is one PromQL target of a dashboard panel. Dashboard is the
// dashboard's uid, Panel the panel's title.
type Query struct{ Dashboard, Panel, RefID, Expr string }

// Queries returns every panel target of the committed dashboards, in file
// (name) and panel order, rows' nested panels after their row.
func Queries() ([]Query, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	var out []Query
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		var d board
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for _, p := range d.allPanels() {
			for _, t := range p.Targets {
				out = append(out, Query{Dashboard: d.UID, Panel: p.Title, RefID: t.RefID, Expr: t.Expr})
			}
		}
	}
	return out, nil
}

// board is the part of a dashboard file this package reads back.
type board struct {
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a row's, when collapsed
}

type target struct {
	RefID        string      `json:"refId"`
	Expr         string      `json:"expr"`
	LegendFormat string      `json:"legendFormat"`
	Datasource   *datasource `json:"datasource"`
}

type variable struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	Query      any         `json:"query"`
	Datasource *datasource `json:"datasource"`
	AllValue   string      `json:"allValue"`
	IncludeAll bool        `json:"includeAll"`
	Multi      bool        `json:"multi"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// allPanels lists the panels and rows in order, each row followed by the
// panels nested in it.
func (d board) allPanels() []panel {
	var out []panel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}
