package collector_test

import (
	"strings"
	"testing"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
)

type wantSettings struct{ Items []string }

func (w *wantSettings) Validate() []string {
	if len(w.Items) == 0 {
		return []string{"items: required"}
	}
	return nil
}

// TestPrepare: the checks every factory shares, each problem listed, and
// the deps' defaults filled in.
func TestPrepare(t *testing.T) {
	deps := collector.Deps{NewHTTP: func(httpx.Options) *httpx.Client { return nil }}
	defaults := func() *wantSettings { return &wantSettings{} }
	for _, c := range []struct {
		cfg  config.Source
		deps collector.Deps
		want string
	}{
		{config.Source{Settings: &wantSettings{Items: []string{"x"}}}, deps, `thing source "": name is required`},
		{config.Source{Name: "a", Type: "other", Settings: &wantSettings{Items: []string{"x"}}}, deps, `type is "other", want "thing"`},
		{config.Source{Name: "a"}, deps, "items: required"}, // the defaults are validated
		{config.Source{Name: "a", Settings: (*wantSettings)(nil)}, deps, "settings are a *collector_test.wantSettings, want a *collector_test.wantSettings"},
		{config.Source{Name: "a", Settings: &wantSettings{Items: []string{"x"}}}, collector.Deps{}, "no HTTP client builder"},
		{config.Source{Name: "a", Since: -1, Settings: &wantSettings{Items: []string{"x"}}}, deps, "since: negative"},
	} {
		if _, _, err := collector.Prepare("thing", c.cfg, c.deps, defaults); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.cfg, err, c.want)
		}
	}
	set, got, err := collector.Prepare("thing", config.Source{Name: "a", Settings: &wantSettings{Items: []string{"x"}}}, deps, defaults)
	if err != nil || len(set.Items) != 1 || got.Logger == nil || got.Now == nil || got.NewHTTP == nil {
		t.Errorf("settings %+v, deps %+v, err %v", set, got, err)
	}
}
