package simulate

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// glNow is the clock of glTinyOrg.
var glNow = time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)

// glTinyOrg is a hand-built org laid out for GitLab (an issue in one
// milestone at most), served as the group runway-sim (1000) with the
// projects runway-sim/plat (2000) and runway-sim/mob (2001) at glNow
// (Feb 1 12:00). Days are of January 2024. PLAT's milestones are group
// milestones, MOB's project milestones.
//
//	Alpha   10100  group iid 1: created Jan 1, starts Jan 2, due Jan 20,
//	               closed (released) Jan 22 10:00; description "First cut"
//	Beta    10101  group iid 2: created Jan 2, due Jan 31, moved Jan 25 to
//	               Feb 10; renamed "Beta refresh" Jan 26
//	GA      10102  group iid 3: created Jan 3, no dates
//	Later   10103  group iid 4: created Feb 5: not there yet
//	MOB 1   10200  mob iid 1: created Jan 1, starts Jan 1, due Jan 31
//	MOB 2   10201  mob iid 2: created Jan 4, due Mar 1
//
//	PLAT-1  Jan 2 09:00 into Alpha; done Jan 15                       closed
//	PLAT-2  Jan 3 09:00; into Beta Jan 5; moved Beta → GA Jan 27      open, in GA
//	PLAT-3  Jan 4 09:00 into Beta; In Progress Jan 10                 open, in Beta
//	PLAT-4  Jan 4 10:00; In Progress Jan 30                           open, none
//	PLAT-5  Jan 20 09:00 into GA; done Jan 28; reopened Jan 29        open, in GA
//	PLAT-6  Feb 3: not there yet
//	MOB-1   Jan 5 09:00 into MOB 1; moved to Alpha (the group's) Jan 12
//	MOB-2   Jan 6 09:00; into MOB 2 Jan 7; done Jan 7 18:00; out Jan 8  closed, none
//
// History ids are 501 on, in the order listed.
func glTinyOrg(t *testing.T) *Org {
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
	due := func(t time.Time) *time.Time { return tp(EndOfDay(t)) }
	o := &Org{Seed: 3, Now: glNow, Vendor: VendorGitLab,
		Projects: []Project{{ID: "10000", Key: "PLAT", Name: "Platform"}, {ID: "10001", Key: "MOB", Name: "Mobile"}},
		Users:    []User{{AccountID: "u1", DisplayName: "Ada Okafor"}, {AccountID: "u2", DisplayName: "Ben Silva"}},
		Milestones: []*Milestone{
			{ID: "10100", Project: "PLAT", Name: "Alpha", Description: "First cut", Created: d(1, 0), Start: tp(d(2, 0)),
				Dues: []DueChange{{At: d(1, 0), Due: due(d(20, 0))}}, Released: tp(d(22, 10))},
			{ID: "10101", Project: "PLAT", Name: "Beta refresh", Created: d(2, 0),
				Dues:    []DueChange{{At: d(2, 0), Due: due(d(31, 0))}, {At: d(25, 0), Due: due(d(31, 0).AddDate(0, 0, 10))}},
				Renames: []Rename{{At: d(26, 0), From: "Beta"}}},
			{ID: "10102", Project: "PLAT", Name: "GA", Created: d(3, 0)},
			{ID: "10103", Project: "PLAT", Name: "Later", Created: glNow.AddDate(0, 0, 4)},
			{ID: "10200", Project: "MOB", Name: "MOB 1", Created: d(1, 0), Start: tp(d(1, 0)),
				Dues: []DueChange{{At: d(1, 0), Due: due(d(31, 0))}}},
			{ID: "10201", Project: "MOB", Name: "MOB 2", Created: d(4, 0),
				Dues: []DueChange{{At: d(4, 0), Due: due(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))}}},
		},
	}
	o.Issues = []*Issue{
		issue("PLAT-1", "20001", d(2, 9), []string{"10100"}, h(d(15, 12), st(StatusToDo, StatusDone))),
		issue("PLAT-2", "20002", d(3, 9), nil, h(d(5, 12), fv("", "10101")), h(d(27, 12), fv("10101", ""), fv("", "10102"))),
		issue("PLAT-3", "20003", d(4, 9), []string{"10101"}, h(d(10, 12), st(StatusToDo, StatusInProgress))),
		issue("PLAT-4", "20004", d(4, 10), nil, h(d(30, 12), st(StatusToDo, StatusInProgress))),
		issue("PLAT-5", "20005", d(20, 9), []string{"10102"}, h(d(28, 12), st(StatusToDo, StatusDone)),
			h(d(29, 12), st(StatusDone, StatusInProgress))),
		issue("PLAT-6", "20006", glNow.AddDate(0, 0, 2), nil),
		issue("MOB-1", "20007", d(5, 9), []string{"10200"}, h(d(12, 12), fv("10200", ""), fv("", "10100"))),
		issue("MOB-2", "20008", d(6, 9), nil, h(d(7, 9), fv("", "10201")), h(d(7, 18), st(StatusToDo, StatusDone)),
			h(d(8, 9), fv("10201", ""))),
	}
	for _, is := range o.Issues {
		is.Updated = o.lastEvent(is)
	}
	if err := o.Index(); err != nil {
		t.Fatal(err)
	}
	return o
}

// glGet sends GET path (under https://gitlab.test) to site with the
// default token as PRIVATE-TOKEN, and extra headers as name, value pairs
// (an empty PRIVATE-TOKEN value sends none).
func glGet(t *testing.T, site http.Handler, path string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "https://gitlab.test"+path, nil)
	r.Header.Set("PRIVATE-TOKEN", DefaultToken)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		}
	}
	w := httptest.NewRecorder()
	site.ServeHTTP(w, r)
	return w
}

// glList decodes a JSON array answer (failing on any other status than 200).
func glList(t *testing.T, w *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 200 {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return out
}

// glInts picks key (a number) from every item.
func glInts(items []map[string]any, key string) []int {
	out := []int{}
	for _, x := range items {
		out = append(out, int(x[key].(float64)))
	}
	return out
}

// glPick keeps the given keys of x.
func glPick(x map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = x[k]
	}
	return out
}

// jsonInto decodes b into v.
func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }
