package httpx

import "net/http"

// BasicAuth authenticates with HTTP Basic: Jira Cloud (e-mail + API token),
// Zendesk ("email/token" + API token).
func BasicAuth(user, token string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, token) }
}

// BearerAuth sends Authorization: Bearer token: GitHub, Jira Data Center
// personal access tokens, Zendesk OAuth.
func BearerAuth(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// HeaderAuth sets one header to a secret value, e.g. GitLab's
// HeaderAuth("PRIVATE-TOKEN", token).
func HeaderAuth(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}
