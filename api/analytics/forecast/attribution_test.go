package forecast

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAttribute(t *testing.T) {
	day := 24 * time.Hour
	d := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC) // original due
	// 7*(20/3 - 20/5) = 56/3 days, rounded to the grid: 1,223,339 steps.
	const thirds = 1223339.0 / gridPerDay
	tests := []struct {
		name string
		in   SlipInput
		want Slip
	}{
		{
			// The brief's milestone: total = p85 - D = 35 days;
			// scope = 7*6/4 = 10.5; throughput = 7*(20/4 - 20/5) = 7;
			// plan = 35 - 10.5 - 7 = 17.5; due moved 14 days.
			name: "hand-worked",
			in: SlipInput{OriginalDue: d, CurrentDue: d.Add(14 * day), P85: d.Add(35 * day),
				Remaining: 20, NetScopeAdded: 6, FirstHalf: 5, Current: 4},
			want: Slip{ScopeDays: 10.5, ThroughputDays: 7, PlanDays: 17.5, DueMovedDays: 14, TotalDays: 35},
		},
		{
			// A third of a day does not exist in binary: the part is rounded
			// to the grid and plan absorbs the rounding.
			name: "thirds",
			in: SlipInput{OriginalDue: d, CurrentDue: d, P85: d.Add(35 * day),
				Remaining: 20, NetScopeAdded: 6, FirstHalf: 5, Current: 3},
			want: Slip{ScopeDays: 14, ThroughputDays: thirds, PlanDays: 35 - 14 - thirds, TotalDays: 35},
		},
		{
			// Scope was cut (N < 0) and the team sped up (T2 > T1): both
			// parts are negative and the plan carries more than the total.
			// scope = 7*(-4)/5 = -5.6 (rounded), throughput = 7*(10/5 - 10/4) = -3.5.
			name: "scope cut, faster team",
			in: SlipInput{OriginalDue: d, CurrentDue: d.Add(-7 * day), P85: d.Add(7 * day),
				Remaining: 10, NetScopeAdded: -4, FirstHalf: 4, Current: 5},
			want: Slip{ScopeDays: math.Round(-5.6*gridPerDay) / gridPerDay, ThroughputDays: -3.5,
				PlanDays: 7 - math.Round(-5.6*gridPerDay)/gridPerDay + 3.5, DueMovedDays: -7, TotalDays: 7},
		},
		{
			name: "first half unknown: no throughput part",
			in: SlipInput{OriginalDue: d, CurrentDue: d, P85: d.Add(21 * day),
				Remaining: 20, NetScopeAdded: 8, FirstHalf: 0, Current: 4},
			want: Slip{ScopeDays: 14, PlanDays: 7, TotalDays: 21},
		},
		{
			name: "no current throughput: all plan",
			in: SlipInput{OriginalDue: d, CurrentDue: d.Add(day), P85: d.Add(21 * day),
				Remaining: 20, NetScopeAdded: 8, FirstHalf: 5, Current: 0},
			want: Slip{PlanDays: 21, DueMovedDays: 1, TotalDays: 21},
		},
		{
			// Early: the forecast beats the original due by 3.5 days.
			name: "ahead of the original due",
			in: SlipInput{OriginalDue: d, CurrentDue: d, P85: d.Add(-84 * time.Hour),
				Remaining: 4, NetScopeAdded: 0, FirstHalf: 2, Current: 2},
			want: Slip{PlanDays: -3.5, TotalDays: -3.5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Attribute(tt.in)
			if got != tt.want {
				t.Errorf("Attribute = %+v\n          want %+v", got, tt.want)
			}
			if got.ScopeDays+got.ThroughputDays+got.PlanDays != got.TotalDays {
				t.Errorf("parts %v + %v + %v != total %v", got.ScopeDays, got.ThroughputDays, got.PlanDays, got.TotalDays)
			}
		})
	}
}

// TestAttributeAddsUp checks the identity on seeded random milestones, in
// every order of addition, and against the served forecast_slip_days.
func TestAttributeAddsUp(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 5))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	randTime := func() time.Time { return base.Add(time.Duration(r.Int64N(4*365*86400)) * time.Second) }
	rate := func() float64 {
		if r.IntN(10) == 0 {
			return 0
		}
		return r.Float64() * 20
	}
	for i := range 20000 {
		in := SlipInput{OriginalDue: randTime(), CurrentDue: randTime(), P85: randTime(),
			Remaining: r.IntN(500), NetScopeAdded: r.IntN(201) - 100, FirstHalf: rate(), Current: rate()}
		s := Attribute(in)
		sums := []float64{
			s.ScopeDays + s.ThroughputDays + s.PlanDays,
			s.PlanDays + s.ScopeDays + s.ThroughputDays,
			s.ThroughputDays + s.PlanDays + s.ScopeDays,
		}
		for _, sum := range sums {
			if sum != s.TotalDays {
				t.Fatalf("case %d %+v: parts add to %v, total %v", i, in, sum, s.TotalDays)
			}
		}
		if slip := Days(in.P85.Sub(in.CurrentDue)); slip+s.DueMovedDays != s.TotalDays {
			t.Fatalf("case %d: forecast_slip_days %v + due_moved_days %v != total %v", i, slip, s.DueMovedDays, s.TotalDays)
		}
		// And the total is p85 - original due to within two grid steps.
		if exact := in.P85.Sub(in.OriginalDue).Hours() / 24; math.Abs(exact-s.TotalDays) > 2.0/gridPerDay {
			t.Fatalf("case %d: total %v, p85 - original due %v", i, s.TotalDays, exact)
		}
	}
}

func TestSlipJSON(t *testing.T) {
	b, err := json.Marshal(Slip{ScopeDays: 10.5, ThroughputDays: 7, PlanDays: 17.5, DueMovedDays: 14, TotalDays: 35})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"slip_from_scope_days":10.5,"slip_from_throughput_days":7,"slip_from_plan_days":17.5,"due_moved_days":14}`
	if string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}
