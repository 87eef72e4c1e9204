package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/piechart"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Panel constructors: each sets what every Runway panel shares (title,
// description, the datasource variable, size, targets) and the options
// Grafana's defaults get wrong for gauges that move on collection
// schedules (last value, not mean; no sparklines on instant queries).

// series is a range query of expr, one line per series named by legend.
func series(ref, expr, legend string) *prometheus.DataqueryBuilder {
	q := prometheus.NewDataqueryBuilder().RefId(ref).Datasource(ds).Expr(expr).Range()
	if legend != "" {
		q.LegendFormat(legend)
	}
	return q
}

// latest is an instant query of expr: its value now.
func latest(ref, expr, legend string) *prometheus.DataqueryBuilder {
	q := prometheus.NewDataqueryBuilder().RefId(ref).Datasource(ds).Expr(expr).Instant()
	if legend != "" {
		q.LegendFormat(legend)
	}
	return q
}

// rows is an instant query of expr as a table: a row per series, its
// labels as columns and its value in "Value" ("Value #<ref>" when the
// panel has several).
func rows(ref, expr string) *prometheus.DataqueryBuilder {
	return latest(ref, expr, "").Format(prometheus.PromQueryFormatTable)
}

// tooltip shows every series at the hovered point, largest first.
func tooltip() *common.VizTooltipOptionsBuilder {
	return common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)
}

// lastValue reduces a series to its last non-null value.
func lastValue() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)
}

func timeSeries(title, description, unit string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Description(description).Datasource(ds).Span(w).Height(h).
		Unit(unit).
		LineWidth(1).FillOpacity(10).ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).Calcs([]string{})).
		Tooltip(tooltip())
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

func statPanel(title, description, unit string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *stat.PanelBuilder {
	p := stat.NewPanelBuilder().Title(title).Description(description).Datasource(ds).Span(w).Height(h).
		Unit(unit).
		ReduceOptions(lastValue()).
		GraphMode(common.BigValueGraphModeNone).
		ColorMode(common.BigValueColorModeBackground).
		TextMode(common.BigValueTextModeValueAndName).
		Orientation(common.VizOrientationAuto)
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

func barGauge(title, description, unit string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *bargauge.PanelBuilder {
	p := bargauge.NewPanelBuilder().Title(title).Description(description).Datasource(ds).Span(w).Height(h).
		Unit(unit).
		ReduceOptions(lastValue()).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		ShowUnfilled(true)
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

func pieChart(title, description string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *piechart.PanelBuilder {
	p := piechart.NewPanelBuilder().Title(title).Description(description).Datasource(ds).Span(w).Height(h).
		ReduceOptions(lastValue()).
		PieType(piechart.PieChartTypeDonut).
		Orientation(common.VizOrientationAuto).
		Tooltip(tooltip()).
		DisplayLabels([]piechart.PieChartLabels{piechart.PieChartLabelsValue}).
		Legend(piechart.NewPieChartLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementRight).Values([]piechart.PieChartLegendValues{piechart.PieChartLegendValuesValue}))
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

func tablePanel(title, description string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *table.PanelBuilder {
	p := table.NewPanelBuilder().Title(title).Description(description).Datasource(ds).Span(w).Height(h).
		ShowHeader(true).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{}))
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

func barChart(title, description string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *barchart.PanelBuilder {
	p := barchart.NewPanelBuilder().Title(title).Description(description).Datasource(ds).Span(w).Height(h).
		Orientation(common.VizOrientationAuto).
		ShowValue(common.VisibilityModeAuto).
		XTickLabelRotation(0).
		Tooltip(tooltip()).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).Calcs([]string{}))
	for _, t := range targets {
		p.WithTarget(t)
	}
	return p
}

// row starts a section; the panels added after it belong to it.
func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }

// step is a threshold: from at upwards, color.
type step struct {
	at    float64
	color string
}

// thresholds colours values: base below the first step, then each step's
// colour from its value up.
func thresholds(base string, steps ...step) *dashboard.ThresholdsConfigBuilder {
	list := []dashboard.Threshold{{Color: base}}
	for _, s := range steps {
		list = append(list, dashboard.Threshold{Value: cog.ToPtr(s.at), Color: s.color})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(list)
}

// dashedThresholds draws the thresholds of a time series as dashed lines
// (the alert rules' thresholds, so one sees how close a series is).
func dashedThresholds() *common.GraphThresholdsStyleConfigBuilder {
	return common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)
}

// Table transformations, by Grafana transformation id.

// merge joins the tables of several instant queries into one, a row per
// label set.
func merge() dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}
}

// organize hides, renames and orders columns: order lists the columns
// kept first, in that order.
func organize(hide []string, rename map[string]string, order ...string) dashboard.DataTransformerConfig {
	excl := map[string]bool{}
	for _, h := range hide {
		excl[h] = true
	}
	index := map[string]int{}
	for i, o := range order {
		index[o] = i
	}
	return dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
		"excludeByName": excl, "renameByName": rename, "indexByName": index}}
}

// matrix pivots a table into one row per rowField value and one column
// per columnField value, holding Value.
func matrix(rowField, columnField string) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "groupingToMatrix", Options: map[string]any{
		"rowField": rowField, "columnField": columnField, "valueField": "Value"}}
}

// sortBy sorts a table's rows by field.
func sortBy(field string) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "sortBy", Options: map[string]any{
		"sort": []map[string]any{{"field": field, "desc": false}}}}
}

// unitOverride sets the unit of one (renamed) table column.
func unitOverride(unit string) []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{{Id: "unit", Value: unit}}
}
