package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/simulate"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// bulkLog hands requests on to a site and records, in arrival order, the
// Cloud searches and bulk changelog fetches among them.
type bulkLog struct {
	next  http.Handler
	mu    sync.Mutex
	calls []bulkCall
}

// bulkCall is a search or a bulk fetch: the issue ids it asked for and
// whether it followed a nextPageToken.
type bulkCall struct {
	search bool
	ids    []string
	token  bool
}

func (l *bulkLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case simulate.PathSearch:
		l.add(bulkCall{search: true})
	case simulate.PathBulkFetch:
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			IssueIDsOrKeys []string `json:"issueIdsOrKeys"`
			NextPageToken  string   `json:"nextPageToken"`
		}
		_ = json.Unmarshal(body, &req)
		l.add(bulkCall{ids: req.IssueIDsOrKeys, token: req.NextPageToken != ""})
	}
	l.next.ServeHTTP(w, r)
}

func (l *bulkLog) add(c bulkCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// reset forgets the calls so far.
func (l *bulkLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}

// fetches returns the ids of every bulk fetch (its first page) so far.
func (l *bulkLog) fetches() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]string
	for _, c := range l.calls {
		if !c.search && !c.token {
			out = append(out, c.ids)
		}
	}
	return out
}

// checkOnePerPage fails t unless every search request is followed by at
// most one bulk fetch, whose later pages ask for the same issues.
func (l *bulkLog) checkOnePerPage(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var cur []string // the ids of the search page's fetch
	fetched := false
	for i, c := range l.calls {
		switch {
		case c.search:
			fetched, cur = false, nil
		case c.token && !slices.Equal(c.ids, cur):
			t.Errorf("call %d: a next page asks for %v, its fetch for %v", i, c.ids, cur)
		case c.token:
		case fetched:
			t.Errorf("call %d: a second bulk fetch after one search page", i)
		default:
			fetched, cur = true, c.ids
		}
	}
}

// TestCollectBulkChangelogsOnePerPage: a Cloud search page with several
// truncated changelogs costs one bulk request for all of them, asked by
// issue id in page order, and the rows equal those of a site that embeds
// every history.
func TestCollectBulkChangelogsOnePerPage(t *testing.T) {
	o := org()
	status := func(from, to string) []simulate.Item {
		return []simulate.Item{{Field: simulate.FieldStatus, FromStatus: from, ToStatus: to}}
	}
	todo, doing, done := simulate.StatusToDo, simulate.StatusInProgress, simulate.StatusDone
	// PLAT-1..3 (created on days 0..2, updated on days 10..12) get 3
	// histories each; WEB-1 has 5. The site embeds 2.
	for i, is := range o.Issues[:3] {
		for j, it := range [][]simulate.Item{status(todo, doing), status(doing, done), status(done, doing)} {
			is.Histories = append(is.Histories, simulate.History{ID: strconv.Itoa(601 + 3*i + j),
				At: days(i + 2*j + 1), AuthorID: "5b10a", Items: it})
		}
	}
	collect := func(embed int) (*bulkLog, *simulate.Jira, *collectortest.MemSink) {
		site := acmeJira(t, o, simulate.JiraOptions{PageSize: 20, ChangelogEmbedLimit: embed})
		log := &bulkLog{next: site}
		h := newHarness(t, log, jiraSource(Config{Projects: []string{"PLAT", "WEB"}}), runAt)
		sink := collectortest.NewMemSink(nil)
		if err := h.src.Collect(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
		return log, site, sink
	}
	log, site, sink := collect(2)
	reqs := site.Requests()
	check(t, "search requests", reqs[simulate.PathSearch], 1)
	check(t, "bulk requests", reqs[simulate.PathBulkFetch], 1)
	check(t, "bulk fetches", log.fetches(), [][]string{{"10001", "10002", "10003", "20001"}})
	for p := range reqs {
		if strings.HasSuffix(p, "/changelog") {
			t.Errorf("%s: a changelog fetched issue by issue", p)
		}
	}

	// The same org with every history embedded: no bulk fetch, same rows.
	whole, wholeSite, want := collect(100)
	check(t, "bulk requests, all embedded", wholeSite.Requests()[simulate.PathBulkFetch], 0)
	check(t, "bulk fetches, all embedded", whole.fetches(), [][]string(nil))
	check(t, "issues", collectortest.RowsOf[warehouse.IssueRow](sink), collectortest.RowsOf[warehouse.IssueRow](want))
	check(t, "status changes", collectortest.RowsOf[warehouse.StatusChangeRow](sink), collectortest.RowsOf[warehouse.StatusChangeRow](want))
	check(t, "membership events", collectortest.RowsOf[warehouse.MembershipEventRow](sink), collectortest.RowsOf[warehouse.MembershipEventRow](want))
	check(t, "membership intervals", collectortest.RowsOf[warehouse.MembershipIntervalRow](sink), collectortest.RowsOf[warehouse.MembershipIntervalRow](want))
	// Every history of PLAT-1 counts, the oldest (not embedded) too.
	var plat1 []string
	for _, c := range collectortest.RowsOf[warehouse.StatusChangeRow](sink) {
		if c.IssueID == "10001" {
			plat1 = append(plat1, c.EventID)
		}
	}
	check(t, "PLAT-1 status changes", plat1, []string{"initial", "601:0", "602:1", "603:1"})
}

// TestBulkChangelogsChunksAndPages: more than 1000 ids go in chunks of at
// most 1000; each chunk pages by nextPageToken, an issue's histories going
// on over the next page; the histories come back by issue id, in order.
func TestBulkChangelogsChunksAndPages(t *testing.T) {
	type request struct {
		IssueIDsOrKeys []string `json:"issueIdsOrKeys"`
		MaxResults     int      `json:"maxResults"`
		NextPageToken  string   `json:"nextPageToken"`
	}
	var mu sync.Mutex
	var reqs []request
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != simulate.PathBulkFetch {
			http.NotFound(w, r)
			return
		}
		var req request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		hist := func(id string) string {
			return fmt.Sprintf(`{"id":%q,"created":"2024-01-05T10:00:00.000+0000","items":[]}`, id)
		}
		ids := req.IssueIDsOrKeys
		w.Header().Set("Content-Type", "application/json")
		// Two histories per issue: the first issue's second one and the
		// other issues' come on a second page.
		if req.NextPageToken == "" {
			fmt.Fprintf(w, `{"issueChangeLogs":[{"issueId":%q,"changeHistories":[%s]}],"nextPageToken":"p2"}`,
				ids[0], hist("h"+ids[0]+"a"))
			return
		}
		var logs []string
		for i, id := range ids {
			hs := hist("h"+id+"a") + "," + hist("h"+id+"b")
			if i == 0 {
				hs = hist("h" + id + "b")
			}
			logs = append(logs, fmt.Sprintf(`{"issueId":%q,"changeHistories":[%s]}`, id, hs))
		}
		fmt.Fprintf(w, `{"issueChangeLogs":[%s]}`, strings.Join(logs, ","))
	})
	h := newHarness(t, handler, jiraSource(Config{}), runAt)
	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = strconv.Itoa(10001 + i)
	}
	got, err := h.src.api.bulkChangelogs(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	for _, r := range reqs {
		asked = append(asked, fmt.Sprintf("%d ids, maxResults %d, token %q", len(r.IssueIDsOrKeys), r.MaxResults, r.NextPageToken))
	}
	check(t, "requests", asked, []string{`1000 ids, maxResults 1000, token ""`, `1000 ids, maxResults 1000, token "p2"`,
		`1 ids, maxResults 1000, token ""`, `1 ids, maxResults 1000, token "p2"`})
	check(t, "issues", len(got), len(ids))
	for _, id := range []string{"10001", "10500", "11000", "11001"} {
		var hs []string
		for _, x := range got[id] {
			hs = append(hs, x.ID)
		}
		check(t, "histories of "+id, hs, []string{"h" + id + "a", "h" + id + "b"})
	}
}

// TestBulkChangelogsMatchSimulator: the bulk fetch against the simulator,
// in small pages (most issues' histories spread over two or more), returns
// every visible history of every issue asked for, each once.
func TestBulkChangelogsMatchSimulator(t *testing.T) {
	org := simulate.Generate(simulate.Options{Seed: 7, Now: simNow, Teams: 2, Months: 2, IssuesPerSprint: 6,
		Projects: []string{"PLAT"}})
	site := simulate.NewJira(org, simulate.JiraOptions{Email: fakeUser, Token: fakeToken, PageSize: 7})
	h := newHarness(t, site, jiraSource(Config{}), simNow)
	var ids []string
	want := map[string][]string{}
	total := 0
	for _, is := range org.Issues {
		if len(is.Histories) == 0 {
			continue
		}
		ids = append(ids, is.ID)
		for _, hs := range is.Histories {
			want[is.ID] = append(want[is.ID], hs.ID)
		}
		total += len(is.Histories)
	}
	got, err := h.src.api.bulkChangelogs(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	gotIDs := map[string][]string{}
	for id, hs := range got {
		for _, x := range hs {
			gotIDs[id] = append(gotIDs[id], x.ID)
		}
		slices.Sort(gotIDs[id])
		slices.Sort(want[id])
	}
	check(t, "histories by issue", gotIDs, want)
	// Pages of 7 histories: no more requests than that takes.
	check(t, "bulk requests", site.Requests()[simulate.PathBulkFetch], (total+6)/7)
}
