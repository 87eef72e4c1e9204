package ui

import (
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }

// TestScopeChartMarkup renders a chart byte for byte: a 25% bar, a sprint
// with nothing committed (no bar, a dash) and a 130% bar, which lifts the
// scale to 150%. Heights: 0.25/1.5·90 = 15 and 1.3/1.5·90 = 78 above the
// zero line at 16 + 90 = 106.
func TestScopeChartMarkup(t *testing.T) {
	c := scopeChart(`Board "7" <x>`, []ChartPoint{
		{Key: "jira/1", Name: "Sprint <1>", Rate: f(0.25)},
		{Key: "jira/2", Name: "Sprint 2", Rate: nil},
		{Key: "jira/3", Name: "Sprint 3", Rate: f(1.3)},
	})
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, "chart", c); err != nil {
		t.Fatal(err)
	}
	want := `<svg class="chart" width="160" height="112" viewBox="0 0 160 112" role="img" aria-label="Board &#34;7&#34; &lt;x&gt;">
<line class="grid" x1="36" y1="16" x2="160" y2="16"></line>
<line class="axis" x1="36" y1="106" x2="160" y2="106"></line>
<text class="tick" x="36" dx="-4" y="16" dy="4" text-anchor="end">150%</text>
<text class="tick" x="36" dx="-4" y="106" text-anchor="end">0%</text>
<g><title>Sprint &lt;1&gt;: 25%</title><rect class="bar" x="43" y="91" width="26" height="15"></rect><text class="val" x="56" y="87" text-anchor="middle" data-metric="sprint-scope-change" data-key="jira/1">25%</text></g>
<g><title>Sprint 2: —</title><text class="val na" x="96" y="102" text-anchor="middle" data-metric="sprint-scope-change" data-key="jira/2">—</text></g>
<g><title>Sprint 3: 130%</title><rect class="bar" x="123" y="28" width="26" height="78"></rect><text class="val" x="136" y="24" text-anchor="middle" data-metric="sprint-scope-change" data-key="jira/3">130%</text></g>
</svg>`
	if got := b.String(); got != want {
		t.Errorf("chart markup:\n%s\nwant:\n%s", got, want)
	}
}

// TestScopeChartScale: 100% unless a rate is higher, then the next 50%;
// a bar never pokes above the scale line nor below the zero line.
func TestScopeChartScale(t *testing.T) {
	for _, tc := range []struct {
		rates []*float64
		scale string
	}{
		{nil, "100%"},
		{[]*float64{nil}, "100%"},
		{[]*float64{f(0), f(0.4), f(1)}, "100%"},
		{[]*float64{f(1.01)}, "150%"},
		{[]*float64{f(1.5), f(0.2)}, "150%"},
		{[]*float64{f(1.6)}, "200%"},
		{[]*float64{f(3.2), f(-0.5)}, "350%"},
	} {
		var pts []ChartPoint
		for _, r := range tc.rates {
			pts = append(pts, ChartPoint{Rate: r})
		}
		c := scopeChart("", pts)
		if c.Scale != tc.scale || len(c.Bars) != len(pts) || c.Width != chartLeft+len(pts)*chartSlot+chartRight {
			t.Errorf("%v: scale %s, %d bars, width %d", tc.rates, c.Scale, len(c.Bars), c.Width)
		}
		for _, b := range c.Bars {
			if b.Y < c.Top || b.Y+b.H != c.Base || b.H < 0 {
				t.Errorf("%v: bar %+v outside [%d, %d]", tc.rates, b, c.Top, c.Base)
			}
		}
	}
}
