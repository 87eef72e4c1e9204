package ui

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api/analytics"
)

func render(t *testing.T, write func(http.ResponseWriter) error) (http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := write(rec); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	return rec.Header(), rec.Body.String()
}

// between is the text between the first open and the close after it.
func between(t *testing.T, s, open, close string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, open)
	in, _, ok2 := strings.Cut(rest, close)
	if !ok || !ok2 {
		t.Fatalf("no %s…%s", open, close)
	}
	return in
}

// TestPolicyHashesTheInlinedAssets: the Content-Security-Policy lets run
// exactly the stylesheet and script the page inlines (a stale hash would
// leave the page unstyled, or the shell dead), and nothing else.
func TestPolicyHashesTheInlinedAssets(t *testing.T) {
	h, body := render(t, WriteShell)
	policy := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src " + sha(between(t, body, "<style>", "</style>")),
		"script-src " + sha(between(t, body, "<script>", "</script>")), "connect-src 'self'", "form-action 'none'"} {
		if !strings.Contains(policy, want) {
			t.Errorf("shell policy %q lacks %q", policy, want)
		}
	}
	h, body = render(t, func(w http.ResponseWriter) error { return WritePage(w, &Overview{}) })
	if p := h.Get("Content-Security-Policy"); !strings.Contains(p, "style-src "+sha(between(t, body, "<style>", "</style>"))) ||
		strings.Contains(p, "script-src") || strings.Contains(body, "<script") {
		t.Errorf("data page: policy %q; a script in it: %v", p, strings.Contains(body, "<script"))
	}
	if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
}

// TestShellHoldsNoData: the shell is the same whatever the warehouse holds
// (it is rendered without it), asks for a token and loads the fragment.
func TestShellHoldsNoData(t *testing.T) {
	_, body := render(t, WriteShell)
	for _, want := range []string{`data-overview="locked"`, `id="token-form"`, `type="password"`, `id="overview-data"`,
		`sessionStorage`, `fetch("ui/overview"`, `"Bearer " + token`} {
		if !strings.Contains(body, want) {
			t.Errorf("shell lacks %q", want)
		}
	}
	for _, bad := range []string{"data-metric", `data-overview="ready"`, `name="token"`, "document.cookie", "localStorage"} {
		if strings.Contains(body, bad) {
			t.Errorf("shell holds %q", bad)
		}
	}
}

// TestEmptyStates: an empty warehouse renders every section with its
// empty-state note, and no number.
func TestEmptyStates(t *testing.T) {
	o := arrange(time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC), reports{})
	_, page := render(t, func(w http.ResponseWriter) error { return WritePage(w, o) })
	_, frag := render(t, func(w http.ResponseWriter) error { return WriteFragment(w, o) })
	for _, want := range []string{`data-overview="ready" data-as-of="2025-03-05T12:00:00Z"`, `data-empty="projects"`,
		`data-empty="sprints"`, `data-empty="support"`, `data-empty="milestones"`} {
		if !strings.Contains(page, want) || !strings.Contains(frag, want) {
			t.Errorf("page or fragment lacks %q", want)
		}
	}
	if strings.Contains(page, "data-metric") {
		t.Error("an empty page shows a number")
	}
	// The fragment is the page's overview, as the shell inserts it.
	if !strings.Contains(page, strings.TrimSpace(frag)) || strings.Contains(frag, "<html") {
		t.Error("the fragment is not the page's overview")
	}
}

// TestEscaping: upstream text (titles, names, ids, URLs) cannot inject
// markup, attributes or script.
func TestEscaping(t *testing.T) {
	evil := `"><script>alert(1)</script><b x='`
	o := arrange(time.Unix(0, 0), reports{
		projects: []analytics.ProjectReport{{Key: evil, Name: evil, Type: evil, Milestones: map[string]int{"done": 1}}},
		milestones: []analytics.MilestoneReport{{Source: evil, ID: evil, Title: evil, ProjectKey: evil, Kind: evil,
			Status: "done", URL: "javascript:alert(1)"}},
		sprints: []analytics.SprintReport{{Source: evil, Board: evil, ID: evil, Name: evil, State: analytics.StateClosed, ScopeChangeRate: f(1)},
			{Source: evil, Board: evil, ID: "a", Name: evil, State: analytics.StateActive}},
		boards:  []analytics.ScopeChangeGroup{{Source: evil, Group: evil}},
		tickets: []analytics.TicketGroup{{Group: evil}},
		load:    []analytics.SupportLoadGroup{{Group: evil}},
	})
	_, page := render(t, func(w http.ResponseWriter) error { return WritePage(w, o) })
	if strings.Contains(page, "<script") || strings.Contains(page, "<b ") || strings.Contains(page, "javascript:") {
		t.Errorf("unescaped upstream text:\n%s", page)
	}
	// Every value reached the page, escaped: key attributes and text.
	n := len(regexp.MustCompile(`data-key="&#34;&gt;&lt;script&gt;alert\(1\)&lt;/script&gt;&lt;b x=&#39;`).FindAllString(page, -1))
	if n < 8 {
		t.Errorf("%d escaped keys, want every metric's", n)
	}
}
