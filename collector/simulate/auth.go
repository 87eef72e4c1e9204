package simulate

import (
	"net/http"
	"strings"
)

// Credentials are what a simulated site accepts: HTTP Basic credentials, a
// bearer token, or both. FaultOptions.Credentials checks them for every
// request, so a vendor's handler only says how its refusal looks
// (FaultOptions.WriteError with Failure.Unauthorized).
type Credentials struct {
	// User and Password are the HTTP Basic credentials (Jira Cloud: the
	// account's email and an API token). Both empty: no Basic
	// credentials are accepted.
	User, Password string
	// Bearer, when set, is accepted as "Authorization: Bearer <Bearer>"
	// (the scheme in any case), as Jira Data Center's personal access
	// tokens are.
	Bearer string
}

// Accepts reports whether r carries the credentials. A request with Basic
// credentials is judged by them alone.
func (c Credentials) Accepts(r *http.Request) bool {
	if u, p, basic := r.BasicAuth(); basic {
		return (c.User != "" || c.Password != "") && u == c.User && p == c.Password
	}
	if c.Bearer == "" {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && token == c.Bearer
}
