package simulate

import (
	"slices"
	"testing"
	"time"
)

// TestDeskEvolve: evolving a desk minute by minute adds tickets, answers
// the oldest new one and solves and closes others, each change an event
// at that minute that the desk's truth then reflects; the same seed and
// minutes give the same changes.
func TestDeskEvolve(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	run := func() ([]string, *SupportDesk) {
		d := GenerateDesk(DeskOptions{Seed: 3, Now: now, Tickets: 60})
		var all []string
		for m := 1; m <= 60; m++ {
			all = append(all, d.Evolve(3, now.Add(time.Duration(m)*time.Minute))...)
		}
		return all, d
	}
	changes, d := run()
	again, _ := run()
	if !slices.Equal(changes, again) {
		t.Fatalf("not deterministic:\n%v\n%v", changes, again)
	}
	kinds := map[string]int{}
	for _, c := range changes {
		kinds[c[:3]]++
	}
	if kinds["new"] == 0 || kinds["ans"] == 0 || kinds["sol"] == 0 {
		t.Fatalf("an hour of evolution made %v: %v", kinds, changes)
	}
	if got := len(d.Tickets); got != 60+kinds["new"] {
		t.Errorf("%d tickets, want 60 + %d new", got, kinds["new"])
	}
	// Every change is in the desk's history: the new tickets' creation,
	// the answers and solves at their minute.
	end := now.Add(time.Hour)
	solved, answered := 0, 0
	for _, tk := range d.Tickets {
		for _, e := range tk.Events {
			if e.At.After(now) && e.Status == TicketSolved {
				solved++
			}
			if e.At.After(now) && e.Reply {
				answered++
			}
		}
		if _, ok := tk.stateAt(end); !ok {
			t.Errorf("ticket %d not created by %s", tk.ID, end)
		}
	}
	if solved != kinds["sol"] || answered != kinds["ans"] {
		t.Errorf("events after now: %d solves, %d replies; changes said %v", solved, answered, kinds)
	}
}
