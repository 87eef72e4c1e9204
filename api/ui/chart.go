package ui

import "math"

// The scope-change chart: one bar per closed sprint, oldest on the left,
// its height the sprint's scope-change rate. Geometry is computed here in
// whole SVG units, so the markup (templates/chart.tmpl) is plain and its
// output can be tested byte for byte.
const (
	chartLeft  = 36 // room for the scale labels
	chartSlot  = 40 // horizontal room of one sprint
	chartBar   = 26 // bar width
	chartTop   = 16 // room above the plot for the tallest bar's label
	chartPlot  = 90 // height of the plot: 0 at the bottom, the scale at the top
	chartBelow = 6  // room below the axis
	chartRight = 4
)

// ChartPoint is one sprint to draw.
type ChartPoint struct {
	Key  string   // "source/sprint id": the data-key of its label
	Name string   // the sprint's name, for the tooltip
	Rate *float64 // nil: nothing was committed, so no rate
}

// Bar is one drawn sprint: its rectangle (none when Null) and its label.
type Bar struct {
	Key, Name, Text string
	Null            bool
	X, Y, W, H      int
	TextX, TextY    int
}

// Chart is a laid-out chart.
type Chart struct {
	Label         string // the accessible name
	Width, Height int
	Left, Top     int // x of the axis; y of the scale line
	Base          int // y of the zero line
	Scale         string
	Bars          []Bar
}

// scopeChart lays out pts left to right. The scale is 100% unless a rate
// is higher, then the next multiple of 50%, so bars of different boards
// compare at a glance in the common case.
func scopeChart(label string, pts []ChartPoint) Chart {
	top := 1.0
	for _, p := range pts {
		if p.Rate != nil && *p.Rate > top {
			top = math.Ceil(*p.Rate*2) / 2
		}
	}
	c := Chart{Label: label, Left: chartLeft, Top: chartTop, Base: chartTop + chartPlot,
		Width:  chartLeft + len(pts)*chartSlot + chartRight,
		Height: chartTop + chartPlot + chartBelow,
		Scale:  pct(&top)}
	for i, p := range pts {
		b := Bar{Key: p.Key, Name: p.Name, Text: pct(p.Rate), Null: p.Rate == nil,
			X: chartLeft + i*chartSlot + (chartSlot-chartBar)/2, W: chartBar}
		b.TextX = b.X + chartBar/2
		if p.Rate != nil {
			b.H = int(math.Round(max(*p.Rate, 0) / top * chartPlot))
		}
		b.Y = c.Base - b.H
		b.TextY = b.Y - 4
		c.Bars = append(c.Bars, b)
	}
	return c
}
