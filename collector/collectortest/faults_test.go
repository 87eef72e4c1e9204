package collectortest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/httpx"
	"github.com/runway-analytics/runway/collector/pageloop"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The simulators' middleware is what the table arms.
var _ collectortest.FaultInjector = (*simulate.Faults)(nil)

// TestFaultTableModes: the corruption modes the table names are the
// simulators'.
func TestFaultTableModes(t *testing.T) {
	for _, mode := range []string{simulate.CorruptTruncate, simulate.CorruptHTML} {
		f := &modeLog{}
		for _, sc := range collectortest.FaultTable {
			sc.Arm(f, "/x", func() {})
		}
		if !slices.Contains(f.modes, mode) {
			t.Errorf("no scenario corrupts with %q; modes used: %v", mode, f.modes)
		}
	}
}

// modeLog is a FaultInjector that records the corruption modes armed.
type modeLog struct{ modes []string }

func (m *modeLog) CorruptNext(_, mode string)          { m.modes = append(m.modes, mode) }
func (m *modeLog) FailNext(string, int, int, string)   {}
func (m *modeLog) SlowNext(string, time.Duration, int) {}
func (m *modeLog) ResetNext(string, int)               {}
func (m *modeLog) CutNext(string, int)                 {}
func (m *modeLog) RepeatNext(string, int)              {}
func (m *modeLog) RefuseCursorNext(string, int)        {}
func (m *modeLog) OnRequest(string, int, func())       {}
func (m *modeLog) Pending() int                        { return 0 }
func (m *modeLog) ClearFaults()                        {}

// TestRunFaultTable runs the whole table against a toy source that pages
// a list of 20 items, 4 a page, checkpointing each page with the page to
// resume from, and guards its paging: every fault ends as the table says.
func TestRunFaultTable(t *testing.T) {
	items := map[string][]string{} // by source name, for Check
	results := collectortest.RunFaultTable(t, collectortest.FaultSource{
		Name: "toy",
		New: func(t *testing.T, name string, opts collectortest.HarnessOptions) collectortest.FaultSite {
			f := simulate.NewFaults(http.HandlerFunc(servePages), simulate.FaultOptions{
				Continues: func(r *http.Request) bool { return r.URL.Query().Get("page") != "1" },
			})
			opts.Now = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
			h := collectortest.NewHarness(t, toyType, config.Source{Name: name}, f, opts)
			return collectortest.FaultSite{Faults: f, Harness: h}
		},
		Targets: map[string]collectortest.FaultTarget{
			collectortest.TargetPage:   {Path: "/items$", Nth: 3},
			collectortest.TargetCursor: {Path: "/items$", Nth: 3},
		},
		Check: func(t *testing.T, name string, runs [][]warehouse.Row) {
			t.Helper()
			var got []string
			for _, rows := range runs {
				for _, r := range rows {
					got = append(got, r.(warehouse.BoardRow).BoardID)
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if len(got) != toyItems {
				t.Errorf("%d distinct items collected, want %d: %v", len(got), toyItems, got)
			}
			items[name] = got
		},
		Expect: map[string]collectortest.FaultExpect{
			"cursor refused as expired": {Outcome: collectortest.Fails, ErrHas: []string{"400 Bad Request"}},
		},
	})
	report := collectortest.FaultReport(results)
	for _, want := range []string{"| fault | source | outcome | data lost | recovery |",
		"| paging loop (a page repeats for good) | toy | failed: ", "| listing changes between pages (ETag) | toy | n/a: "} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if len(results) != len(collectortest.FaultTable) {
		t.Errorf("%d rows for %d faults", len(results), len(collectortest.FaultTable))
	}
}

const (
	toyItems = 20
	toyPage  = 4
)

// servePages answers /items?page=N (from 1): its items and the next page
// (0 after the last).
func servePages(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if r.URL.Path != "/items" || err != nil || n < 1 {
		http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	var ids []string
	for i := (n-1)*toyPage + 1; i <= min(n*toyPage, toyItems); i++ {
		ids = append(ids, strconv.Itoa(i))
	}
	next := n + 1
	if n*toyPage >= toyItems {
		next = 0
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"items": ids, "next": next})
}

var toyType = collector.SourceType{Name: "toy", New: newToy}

type toy struct {
	name string
	http *httpx.Client
}

func newToy(cfg config.Source, deps collector.Deps) (collector.Source, error) {
	return &toy{name: cfg.Name, http: deps.NewHTTP(httpx.Options{})}, nil
}

func (s *toy) Name() string { return s.name }
func (s *toy) Type() string { return "toy" }

// Collect reads the list from the page its cursor names, checkpointing
// each page with the next.
func (s *toy) Collect(ctx context.Context, sink collector.Sink) error {
	page := 1
	if v, ok := sink.Cursor("page"); ok {
		page, _ = strconv.Atoi(v)
	}
	var followed pageloop.Guard
	for page > 0 {
		var p struct {
			Items []string `json:"items"`
			Next  int      `json:"next"`
		}
		if _, err := s.http.GetJSON(ctx, "/items", url.Values{"page": {strconv.Itoa(page)}}, &p); err != nil {
			return err
		}
		if err := followed.Follow(strconv.Itoa(p.Next)); p.Next > 0 && err != nil {
			return fmt.Errorf("%s: GET /items: %w", s.name, err)
		}
		for _, id := range p.Items {
			sink.Write(warehouse.BoardRow{Source: s.name, BoardID: id})
		}
		page = p.Next
		sink.SetCursor("page", strconv.Itoa(page))
		if err := sink.Checkpoint(ctx); err != nil {
			return err
		}
	}
	return nil
}
