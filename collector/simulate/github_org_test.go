package simulate

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// ghNow is the clock of ghTinyOrg.
var ghNow = time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)

// ghTinyOrg is a hand-built org laid out for GitHub (an issue in one
// milestone at most), served as repositories runway-sim/plat and
// runway-sim/mob at ghNow (Feb 1 12:00). Days are of January 2024.
//
//	Alpha  10100  created Jan 1, due Jan 20, closed (released) Jan 22 10:00: #1
//	Beta   10101  created Jan 2, due Jan 31, moved Jan 25 to Feb 10;
//	              renamed "Beta refresh" Jan 26: #2
//	GA     10102  created Jan 3, no due date: #3
//	Later  10103  created Feb 5: not there yet
//	MOB 1  10200  created Jan 1 (repository mob)
//
//	PLAT-1  Jan 2 09:00 into Alpha; done Jan 15                      closed
//	PLAT-2  Jan 3 09:00; into Beta Jan 5; moved Beta → GA Jan 27     open, in GA
//	PLAT-3  Jan 4 09:00 into Beta; In Progress Jan 10                open, in Beta
//	PLAT-4  Jan 4 10:00; In Progress Jan 30                          open, no milestone
//	PLAT-5  Jan 20 09:00 into GA; done Jan 28; reopened Jan 29       open (reopened), in GA
//	PLAT-6  Feb 3: not there yet
//	MOB-1   Jan 5 into MOB 1
//
// With one pull request per 3 issues, PLAT has #7 (for PLAT-3, in Beta)
// and #8 (for PLAT-6, not there yet), MOB none.
func ghTinyOrg(t *testing.T) *Org {
	t.Helper()
	d := func(day, h int) time.Time { return time.Date(2024, 1, day, h, 0, 0, 0, time.UTC) }
	fv := func(from, to string) Item { return Item{Field: FieldFixVersion, From: from, To: to} }
	st := func(from, to string) Item { return Item{Field: FieldStatus, FromStatus: from, ToStatus: to} }
	hid := 500
	h := func(at time.Time, items ...Item) History {
		hid++
		return History{ID: strconv.Itoa(hid), At: at, AuthorID: "u2", Items: items}
	}
	issue := func(key, id string, created time.Time, initial []string, hs ...History) *Issue {
		project := key[:len(key)-2]
		return &Issue{ID: id, Key: key, Project: project, Type: "Story", Summary: "Work " + key, Created: created,
			AssigneeID: "u1", InitialStatus: StatusToDo, InitialVersions: initial, Histories: hs}
	}
	o := &Org{Seed: 3, Now: ghNow, Vendor: VendorGitHub,
		Projects: []Project{{ID: "10000", Key: "PLAT", Name: "Platform"}, {ID: "10001", Key: "MOB", Name: "Mobile"}},
		Users:    []User{{AccountID: "u1", DisplayName: "Ada Okafor"}, {AccountID: "u2", DisplayName: "Ben Silva"}},
		Milestones: []*Milestone{
			{ID: "10100", Project: "PLAT", Name: "Alpha", Description: "First cut", Created: d(1, 0),
				Dues: []DueChange{{At: d(1, 0), Due: tp(EndOfDay(d(20, 0)))}}, Released: tp(d(22, 10))},
			{ID: "10101", Project: "PLAT", Name: "Beta refresh", Created: d(2, 0),
				Dues:    []DueChange{{At: d(2, 0), Due: tp(EndOfDay(d(31, 0)))}, {At: d(25, 0), Due: tp(EndOfDay(d(31, 0).AddDate(0, 0, 10)))}},
				Renames: []Rename{{At: d(26, 0), From: "Beta"}}},
			{ID: "10102", Project: "PLAT", Name: "GA", Created: d(3, 0)},
			{ID: "10103", Project: "PLAT", Name: "Later", Created: ghNow.AddDate(0, 0, 4)},
			{ID: "10200", Project: "MOB", Name: "MOB 1", Created: d(1, 0)},
		},
	}
	o.Issues = []*Issue{
		issue("PLAT-1", "20001", d(2, 9), []string{"10100"}, h(d(15, 12), st(StatusToDo, StatusDone))),
		issue("PLAT-2", "20002", d(3, 9), nil, h(d(5, 12), fv("", "10101")), h(d(27, 12), fv("10101", ""), fv("", "10102"))),
		issue("PLAT-3", "20003", d(4, 9), []string{"10101"}, h(d(10, 12), st(StatusToDo, StatusInProgress))),
		issue("PLAT-4", "20004", d(4, 10), nil, h(d(30, 12), st(StatusToDo, StatusInProgress))),
		issue("PLAT-5", "20005", d(20, 9), []string{"10102"}, h(d(28, 12), st(StatusToDo, StatusDone)),
			h(d(29, 12), st(StatusDone, StatusInProgress))),
		issue("PLAT-6", "20006", ghNow.AddDate(0, 0, 2), nil),
		issue("MOB-1", "20007", d(5, 9), []string{"10200"}),
	}
	for _, is := range o.Issues {
		is.Updated = o.lastEvent(is)
	}
	if err := o.Index(); err != nil {
		t.Fatal(err)
	}
	return o
}

// ghGet sends GET path to site with the default token (or the given
// Authorization) and extra headers as name, value pairs.
func ghGet(t *testing.T, site http.Handler, path string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "https://api.github.test"+path, nil)
	r.Header.Set("Authorization", "Bearer "+DefaultToken)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	site.ServeHTTP(w, r)
	return w
}

// ghList decodes a JSON array answer.
func ghList(t *testing.T, w *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return out
}
