package simulate

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestJiraIsASite: the simulated Jira plugs into the vendor-neutral Site
// seam, and its credentials are checked by the shared middleware.
func TestJiraIsASite(t *testing.T) {
	org, _ := TinyOrg()
	var s Site = NewJira(org, JiraOptions{})
	if s.Vendor() != VendorJira || VendorJira != "jira" || s.Org() != org || s.Faults() == nil {
		t.Fatalf("site: vendor %q, org %p (want %p), faults %v", s.Vendor(), s.Org(), org, s.Faults())
	}
	r := httptest.NewRequest("GET", PathMyself, nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" || w.Header().Get("X-RateLimit-Limit") == "" {
		t.Errorf("anonymous: %d %v", w.Code, w.Header())
	}
	if got := s.Faults().Requests()[PathMyself]; got != 1 {
		t.Errorf("the middleware counted %d requests, want 1", got)
	}
	r = httptest.NewRequest("GET", PathMyself, nil)
	r.SetBasicAuth(DefaultEmail, DefaultToken)
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("with the default credentials: %d %s", w.Code, w.Body)
	}
}
