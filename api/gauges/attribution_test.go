package gauges_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/runway-analytics/runway/api/analytics"
	"github.com/runway-analytics/runway/api/gauges"
	"github.com/runway-analytics/runway/api/gauges/gaugestest"
	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestSlipAttributionGauge: over the milestone fixture (worked out in
// gaugestest.SeedMilestones' comment) only the open milestones with a
// forecast, a due date and an original due have an attribution: Beta 1
// slips 21 days against its original due 06-08, all plan (no net scope
// added, the same pace in both halves); Production rollout is 15 days
// early, all plan (no closure in its first half). GA launch has no
// forecast, Ideas and Backlog no due date, the closed ones no forecast.
func TestSlipAttributionGauge(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		seededMilestones(t, db)
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(gauges.New(db, nil, func() time.Time { return gaugestest.MilestonesNow }, 30*time.Second))
		want := `# HELP runway_milestone_slip_attribution_days Slip of an open milestone against its original due date (forecast p85 minus original due), in days, by cause: scope (net added work at the current pace), throughput (the change of pace on the open work), plan (the rest); the causes sum to it. Open milestones and those closed in the last 30 days.
# TYPE runway_milestone_slip_attribution_days gauge
runway_milestone_slip_attribution_days{cause="plan",milestone="Beta 1",project="platform",source="jira"} 21
runway_milestone_slip_attribution_days{cause="scope",milestone="Beta 1",project="platform",source="jira"} 0
runway_milestone_slip_attribution_days{cause="throughput",milestone="Beta 1",project="platform",source="jira"} 0
runway_milestone_slip_attribution_days{cause="plan",milestone="Production rollout",project="platform",source="jira"} -15
runway_milestone_slip_attribution_days{cause="scope",milestone="Production rollout",project="platform",source="jira"} 0
runway_milestone_slip_attribution_days{cause="throughput",milestone="Production rollout",project="platform",source="jira"} 0
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "runway_milestone_slip_attribution_days"); err != nil {
			t.Error(err)
		}
	})
}

// TestSlipAttributionCauses: each cause series carries the milestone API's
// value of that cause. The fixture above has zeros for scope and
// throughput, so a mixed-up cause would not show there; SeedScale's
// milestones sped up: 12 issues open, T1 = 2 closures in the first 6 of
// their 12 weeks = 1/3 a week, T2 = 1 a week, so the throughput part is
// 7·(12/1 − 12/(1/3)) = −168 days (and no scope was added: scope 0).
func TestSlipAttributionCauses(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		if err := gaugestest.SeedScale(ctx, db, 2, 3); err != nil {
			t.Fatal(err)
		}
		reports, _, err := analytics.Portfolio(ctx, db, gauges.MilestonesClosedWithin, gaugestest.Now)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{}
		for _, r := range reports {
			if r.SlipFromScope == nil {
				continue
			}
			project := r.ProjectKey
			if project == "" {
				project = r.Project
			}
			key := func(cause string) string { return r.Source + "|" + project + "|" + r.Title + "|" + cause }
			want[key(gauges.CauseScope)] = *r.SlipFromScope
			want[key(gauges.CauseThroughput)] = *r.SlipFromThrough
			want[key(gauges.CausePlan)] = *r.SlipFromPlan
			if *r.SlipFromThrough != -168 || *r.SlipFromScope != 0 {
				t.Fatalf("%s: API attributes scope %v, throughput %v; want 0 and -168 (worked out above)",
					r.Title, *r.SlipFromScope, *r.SlipFromThrough)
			}
		}
		if len(want) != 3*3 {
			t.Fatalf("%d attributed causes in the API's reports, want 3 per milestone (3)", len(want))
		}
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(gauges.New(db, nil, func() time.Time { return gaugestest.Now }, 30*time.Second))
		got := map[string]float64{}
		for _, m := range gather(t, reg)["runway_milestone_slip_attribution_days"] {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			got[l["source"]+"|"+l["project"]+"|"+l["milestone"]+"|"+l["cause"]] = m.GetGauge().GetValue()
		}
		if len(got) != len(want) {
			t.Errorf("%d series, want %d: %v", len(got), len(want), got)
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || g != w {
				t.Errorf("%s = %v (present %v), want %v", k, g, ok, w)
			}
		}
	})
}
