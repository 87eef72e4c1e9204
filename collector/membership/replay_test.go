package membership

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

// render writes events and stays compactly: "+3@1 -3@5" and "3[1,5)d".
func render(evs []Event, stays []Interval) string {
	var b strings.Builder
	for _, e := range evs {
		sign := "+"
		if e.Action == ActionRemoved {
			sign = "-"
		}
		fmt.Fprintf(&b, "%s%s@%d(%s) ", sign, e.Container, int(e.At.Sub(t0).Hours()), e.EventID)
	}
	b.WriteString("|")
	for _, s := range stays {
		end := "open"
		if s.Exited != nil {
			end = fmt.Sprint(int(s.Exited.Sub(t0).Hours()))
		}
		done := ""
		if s.DoneAtLeaving {
			done = "d"
		}
		fmt.Fprintf(&b, " %s[%d,%s)%s", s.Container, int(s.Entered.Sub(t0).Hours()), end, done)
	}
	return b.String()
}

func TestReplay(t *testing.T) {
	doneFrom := func(h int) func(time.Time) bool { return func(x time.Time) bool { return !x.Before(at(h)) } }
	for _, tc := range []struct {
		name string
		h    History
		want string
	}{
		{"set at creation, no change", History{Created: at(0), Initial: []string{"3"}},
			"+3@0(initial:3) | 3[0,open)"},
		{"never a member", History{Created: at(0)}, "|"},
		{"carry-over keeping the closed sprint (3 -> 3, 4)", History{Created: at(0), Initial: []string{"3"},
			Changes: []Change{{At: at(9), EventID: "h1:0", Added: []string{"4"}}}},
			"+3@0(initial:3) +4@9(h1:0:4) | 3[0,open) 4[9,open)"},
		{"moved out as it completes (3 -> 4)", History{Created: at(0), Initial: []string{"3"},
			Changes: []Change{{At: at(9), EventID: "h1:0", Added: []string{"4"}, Removed: []string{"3"}}}},
			"+3@0(initial:3) +4@9(h1:0:4) -3@9(h1:0:3) | 3[0,9) 4[9,open)"},
		{"removed then re-added: two stays", History{Created: at(0),
			Changes: []Change{{At: at(1), EventID: "a", Added: []string{"7"}}, {At: at(2), EventID: "b", Removed: []string{"7"}},
				{At: at(5), EventID: "c", Added: []string{"7"}}}},
			"+7@1(a:7) -7@2(b:7) +7@5(c:7) | 7[1,2) 7[5,open)"},
		{"left while done", History{Created: at(0), Initial: []string{"3"}, DoneAt: doneFrom(4),
			Changes: []Change{{At: at(3), EventID: "a", Removed: []string{"3"}}, {At: at(4), EventID: "b", Added: []string{"3"}},
				{At: at(6), EventID: "c", Removed: []string{"3"}}}},
			"+3@0(initial:3) -3@3(a:3) +3@4(b:3) -3@6(c:3) | 3[0,3) 3[4,6)d"},
		{"entry while a member keeps the first stay", History{Created: at(0), Initial: []string{"3"},
			Changes: []Change{{At: at(2), EventID: "a", Added: []string{"3"}}, {At: at(4), EventID: "b", Removed: []string{"3"}}}},
			"+3@0(initial:3) +3@2(a:3) -3@4(b:3) | 3[0,4)"},
		{"exit while not a member changes no stay", History{Created: at(0),
			Changes: []Change{{At: at(2), EventID: "a", Removed: []string{"3"}}}},
			"-3@2(a:3) |"},
		{"several containers at once (fix versions)", History{Created: at(0), Initial: []string{"v1", "v2"},
			Changes: []Change{{At: at(1), EventID: "a", Removed: []string{"v1"}, Added: []string{"v3"}}}},
			"+v1@0(initial:v1) +v2@0(initial:v2) +v3@1(a:v3) -v1@1(a:v1) | v1[0,1) v2[0,open) v3[1,open)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(Replay(tc.h)); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestReplayActors(t *testing.T) {
	evs, _ := Replay(History{Created: at(0), Changes: []Change{{At: at(1), EventID: "a", Actor: "u1", Added: []string{"3"}}}})
	if len(evs) != 1 || evs[0].Actor != "u1" {
		t.Errorf("events %+v", evs)
	}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct{ from, to, added, removed []string }{
		{nil, []string{"3"}, []string{"3"}, nil},
		{[]string{"3"}, []string{"3", "4"}, []string{"4"}, nil},
		{[]string{"3", "4"}, []string{"4"}, nil, []string{"3"}},
		{[]string{"3"}, []string{"4"}, []string{"4"}, []string{"3"}},
		{[]string{"3"}, []string{"3"}, nil, nil},
	} {
		a, r := Diff(tc.from, tc.to)
		if !reflect.DeepEqual(a, tc.added) || !reflect.DeepEqual(r, tc.removed) {
			t.Errorf("Diff(%v, %v) = %v, %v; want %v, %v", tc.from, tc.to, a, r, tc.added, tc.removed)
		}
	}
}
