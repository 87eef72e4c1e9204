package warehouse

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// DSN parsing and redaction, shared by Open and CheckDSN so that a DSN
// CheckDSN accepts is one Open can use, and so that no message ever shows a
// password, however malformed the DSN.

// dsnScheme returns the scheme of dsn, "clickhouse" or "chdb".
func dsnScheme(dsn string) (string, error) {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok || !validScheme(scheme) {
		return "", fmt.Errorf("%w %q: want clickhouse://host:9000/db or chdb:///path", ErrBadDSN, redactDSN(dsn))
	}
	switch scheme {
	case "clickhouse", "chdb":
		return scheme, nil
	}
	return "", fmt.Errorf("%w %q: unknown scheme %q (want clickhouse or chdb)", ErrBadDSN, redactDSN(dsn), scheme)
}

// validScheme reports whether s has the form of a URL scheme
// ([A-Za-z][A-Za-z0-9+.-]*), so that it can be quoted in a message: text
// before a "://" that is not a scheme may hold anything, a password included.
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// parseServerDSN parses a clickhouse:// DSN as openServer uses it, without
// connecting: the options to connect with (Auth.Database not yet set) and
// the database all tables live in.
func parseServerDSN(dsn string) (opts *clickhouse.Options, db string, err error) {
	shown := redactDSN(dsn)
	if strings.ContainsRune(dsn, '#') {
		// url.Parse takes everything after a '#' as a fragment, which
		// clickhouse-go ignores: "u:123#pw@db:9000" would quietly connect to
		// host u, port 123, with no password.
		return nil, "", fmt.Errorf("%w %q: '#' is not allowed (percent-encode it as %%23 in a password)", ErrBadDSN, shown)
	}
	opts, err = clickhouse.ParseDSN(dsn)
	if err != nil {
		// clickhouse-go redacts the password in URL errors; scrub anyway.
		return nil, "", fmt.Errorf("%w %q: %s", ErrBadDSN, shown, scrubAll(err.Error(), dsnPasswords(dsn)))
	}
	if opts.Protocol != clickhouse.Native {
		return nil, "", fmt.Errorf("%w %q: only the native protocol is supported (ClickHouse 18.16 has no usable HTTP interface)", ErrBadDSN, shown)
	}
	if len(opts.Addr) == 0 {
		return nil, "", fmt.Errorf("%w %q: no host", ErrBadDSN, shown)
	}
	db = opts.Auth.Database
	if db == "" {
		db = defaultServerDatabase
	}
	if !validDatabaseName(db) {
		return nil, "", fmt.Errorf("%w %q: database name %q must match [A-Za-z_][A-Za-z0-9_]*", ErrBadDSN, shown, db)
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = defaultDialTimeout
	}
	return opts, db, nil
}

// splitDSN splits a DSN into "scheme://" ("" when there is none) and the
// rest. A "://" after something that is not a scheme (in a query, say) is
// part of the rest.
func splitDSN(dsn string) (head, rest string) {
	if i := strings.Index(dsn, "://"); i >= 0 && validScheme(dsn[:i]) {
		return dsn[:i+3], dsn[i+3:]
	}
	return "", dsn
}

// userinfoEnd returns the offset in rest (a DSN after its "scheme://") of
// the '@' that ends the userinfo, or -1. It does not rely on url.Parse,
// which fails on exactly the malformed DSNs whose errors must still be
// shown. A password may hold unescaped '/', '?', '#', '%' or '@'; where the
// split is ambiguous it errs towards taking more as userinfo, since hiding
// a host is better than showing a piece of a password.
func userinfoEnd(rest string) int {
	base, query, _ := strings.Cut(rest, "?")
	if strings.ContainsRune(query, '@') && (strings.ContainsRune(base, '@') || !looksLikeHosts(base)) {
		// "u:p?w@host" (a '?' in the password) or "u:p@s?w@host".
		return strings.LastIndexByte(rest, '@')
	}
	return strings.LastIndexByte(base, '@')
}

// looksLikeHosts reports whether base (a DSN after its "scheme://", before
// any '?') starts with host[:port][,host[:port]...] and nothing else before
// the path.
func looksLikeHosts(base string) bool {
	auth, _, _ := strings.Cut(base, "/")
	for _, h := range strings.Split(auth, ",") {
		var host, port string
		if strings.HasPrefix(h, "[") { // [::1]:9000
			end := strings.IndexByte(h, ']')
			if end < 0 {
				return false
			}
			p, ok := strings.CutPrefix(h[end+1:], ":")
			if !ok && h[end+1:] != "" {
				return false
			}
			port = p
		} else {
			host, port, _ = strings.Cut(h, ":")
			for i := 0; i < len(host); i++ {
				if c := host[i]; !isWordByte(c) && c != '.' && c != '-' || c == '$' {
					return false
				}
			}
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return false
			}
		}
	}
	return true
}

// redactDSN hides the password of a DSN of any scheme, or of none, so it
// can be shown in errors: the password in the userinfo, a password= query
// parameter, and any remaining copy of either.
func redactDSN(dsn string) string {
	head, rest := splitDSN(dsn)
	if at := userinfoEnd(rest); at >= 0 {
		if user, _, has := strings.Cut(rest[:at], ":"); has {
			rest = user + ":xxxxx" + rest[at:]
		}
	}
	if base, query, ok := strings.Cut(rest, "?"); ok {
		rest = base + "?" + redactQueryPassword(query)
	}
	out := head + rest
	// Belt and braces for shapes the structural redaction above missed. Very
	// short passwords are skipped: replacing every "a" would garble the DSN
	// without protecting anything.
	for _, pw := range dsnPasswords(dsn) {
		if len(pw) >= 4 {
			out = scrub(out, pw)
		}
	}
	return out
}

// redactQueryPassword replaces the value of every password= parameter in a
// raw query, keeping the other parameters as written.
func redactQueryPassword(query string) string {
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if k, _, _ := strings.Cut(p, "="); isPasswordKey(k) {
			parts[i] = k + "=xxxxx"
		}
	}
	return strings.Join(parts, "&")
}

func isPasswordKey(k string) bool {
	if un, err := url.QueryUnescape(k); err == nil {
		k = un
	}
	return strings.EqualFold(strings.TrimSpace(k), "password")
}

// dsnPasswords returns every text of dsn that may be its password: the
// userinfo password for each plausible end of the userinfo, and password=
// parameters, each raw and unescaped.
func dsnPasswords(dsn string) []string {
	_, rest := splitDSN(dsn)
	var out []string
	add := func(s string, unescape func(string) (string, error)) {
		if s == "" {
			return
		}
		out = append(out, s)
		if un, err := unescape(s); err == nil && un != s && un != "" {
			out = append(out, un)
		}
	}
	base, query, _ := strings.Cut(rest, "?")
	for _, at := range []int{strings.LastIndexByte(base, '@'), strings.LastIndexByte(rest, '@')} {
		if at < 0 {
			continue
		}
		if _, pw, has := strings.Cut(rest[:at], ":"); has {
			add(pw, url.PathUnescape)
		}
	}
	for _, p := range strings.Split(query, "&") {
		if k, v, _ := strings.Cut(p, "="); isPasswordKey(k) {
			add(v, url.QueryUnescape)
		}
	}
	return out
}

// scrub removes a password (raw and URL-escaped) from a message.
func scrub(msg, password string) string {
	if password == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, password, "xxxxx")
	if esc := url.QueryEscape(password); esc != password {
		msg = strings.ReplaceAll(msg, esc, "xxxxx")
	}
	if esc := url.PathEscape(password); esc != password {
		msg = strings.ReplaceAll(msg, esc, "xxxxx")
	}
	return msg
}

// scrubAll scrubs each of passwords from msg.
func scrubAll(msg string, passwords []string) string {
	for _, pw := range passwords {
		msg = scrub(msg, pw)
	}
	return msg
}
