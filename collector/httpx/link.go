package httpx

import (
	"net/http"
	"strings"
)

// NextLink returns the target of the rel="next" link in the response's Link
// headers (RFC 8288, formerly RFC 5988), as GitHub and GitLab send for
// paging, or "" when there is none (the last page):
//
//	Link: <https://api.github.com/repositories/1/issues?page=2>; rel="next", <...>; rel="last"
//
// The target is returned as sent; Client.Do accepts it as path.
func NextLink(h http.Header) string {
	return Links(h)["next"]
}

// Links returns every link in the Link headers by relation type (lower
// case). A link with several relation types (rel="next last") is listed
// under each; the first link for a relation wins.
func Links(h http.Header) map[string]string {
	out := map[string]string{}
	for _, v := range h.Values("Link") {
		for {
			v = strings.TrimLeft(v, " \t,")
			if v == "" || v[0] != '<' {
				break
			}
			end := strings.IndexByte(v, '>')
			if end < 0 {
				break
			}
			target := strings.TrimSpace(v[1:end])
			v = v[end+1:]
			var rels []string
			// Parameters up to the next comma outside quotes.
			for {
				v = strings.TrimLeft(v, " \t")
				if v == "" || v[0] != ';' {
					break
				}
				v = strings.TrimLeft(v[1:], " \t")
				name, val, rest := parseParam(v)
				v = rest
				if strings.EqualFold(name, "rel") {
					rels = append(rels, strings.Fields(strings.ToLower(val))...)
				}
			}
			for _, r := range rels {
				if _, ok := out[r]; !ok {
					out[r] = target
				}
			}
			// Skip anything unparsed up to the next link.
			if i := strings.IndexByte(v, ','); i >= 0 && v[0] != ',' {
				v = v[i:]
			} else if i < 0 {
				break
			}
		}
	}
	return out
}

// parseParam parses `name=value` or `name="quoted value"` at the start of s
// and returns the rest after it.
func parseParam(s string) (name, val, rest string) {
	i := strings.IndexAny(s, "=;,")
	if i < 0 {
		return strings.TrimSpace(s), "", ""
	}
	name = strings.TrimSpace(s[:i])
	if s[i] != '=' {
		return name, "", s[i:]
	}
	s = strings.TrimLeft(s[i+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for j := 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				if j+1 < len(s) {
					j++
					b.WriteByte(s[j])
				}
			case '"':
				return name, b.String(), s[j+1:]
			default:
				b.WriteByte(s[j])
			}
		}
		return name, b.String(), ""
	}
	j := strings.IndexAny(s, ";,")
	if j < 0 {
		return name, strings.TrimSpace(s), ""
	}
	return name, strings.TrimSpace(s[:j]), s[j:]
}
