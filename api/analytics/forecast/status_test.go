package forecast

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMilestoneStatus(t *testing.T) {
	due := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := due.Add(d); return &v }
	fc := func(p50, p85 time.Duration) *Result { return &Result{P50: due.Add(p50), P85: due.Add(p85)} }
	before, after := -10*24*time.Hour, 10*24*time.Hour
	tests := []struct {
		name   string
		closed *time.Time
		due    *time.Time
		now    time.Time
		fc     *Result
		want   Status
	}{
		{"closed before due", at(-time.Hour), &due, due.Add(after), nil, StatusDone},
		{"closed exactly at due", at(0), &due, due.Add(after), nil, StatusDone},
		{"closed a second late", at(time.Second), &due, due.Add(after), nil, StatusDoneLate},
		{"closed, no due date", at(0), nil, due, nil, StatusDone},
		{"closed late beats a good forecast", at(after), &due, due.Add(after), fc(before, before), StatusDoneLate},
		{"open, no due date, with forecast", nil, nil, due, fc(after, after), StatusNoDueDate},
		{"open past due beats on-track forecast", nil, &due, due.Add(time.Second), fc(before, before), StatusOverdue},
		{"open past due beats no forecast", nil, &due, due.Add(after), nil, StatusOverdue},
		{"open at due instant is not overdue", nil, &due, due, fc(0, 0), StatusOnTrack},
		{"no forecast", nil, &due, due.Add(before), nil, StatusNoForecast},
		{"p50 late: slipping", nil, &due, due.Add(before), fc(time.Second, after), StatusSlipping},
		{"p50 on the due instant, p85 late: at risk", nil, &due, due.Add(before), fc(0, time.Second), StatusAtRisk},
		{"p50 early, p85 late: at risk", nil, &due, due.Add(before), fc(before, after), StatusAtRisk},
		{"p85 on the due instant: on track", nil, &due, due.Add(before), fc(before, 0), StatusOnTrack},
		{"p85 early: on track", nil, &due, due.Add(before), fc(before, -time.Hour), StatusOnTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MilestoneStatus(tt.closed, tt.due, tt.now, tt.fc); got != tt.want {
				t.Errorf("MilestoneStatus = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStatuses(t *testing.T) {
	want := []string{"done", "done_late", "overdue", "slipping", "at_risk", "on_track", "no_due_date", "no_forecast"}
	got := Statuses()
	if len(got) != len(want) {
		t.Fatalf("Statuses = %v", got)
	}
	for i, s := range got {
		if string(s) != want[i] || !s.Valid() {
			t.Errorf("Statuses[%d] = %q, want %q (valid)", i, s, want[i])
		}
	}
	if Status("late").Valid() || Status("").Valid() {
		t.Error("unknown status counted as valid")
	}
	if b, _ := json.Marshal(StatusAtRisk); string(b) != `"at_risk"` {
		t.Errorf("JSON = %s", b)
	}
}
