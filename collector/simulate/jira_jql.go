package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The simulator understands a JQL subset:
//
//	clause  := project (= | !=) V | project [NOT] IN (V, ...)
//	         | key|issuekey|id (= | !=) V | key|issuekey|id [NOT] IN (V, ...)
//	         | id (> | >= | < | <=) ID
//	         | updated|created (>= | > | <= | < | =) DATE
//	query   := [clause {AND clause}] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
//	DATE    := "yyyy-MM-dd HH:mm" | "yyyy/MM/dd HH:mm" | "yyyy-MM-dd" | "yyyy/MM/dd" | -Nm|-Nh|-Nd|-Nw
//
// Dates are UTC. Sort fields: updated, created, key, id; ties break by id.
// id comparisons compare issue ids as numbers (the keyset a listing of ids
// pages by), and ID must be an existing issue's id, as every issue value
// must: an issue deleted since is a 400.
// Without ORDER BY, results come newest id first. OR, parentheses and other
// fields are rejected with 400, as are queries without a restriction.

type jqlQuery struct {
	projects   map[string]bool // project keys; nil = any
	noProjects map[string]bool
	issues     map[string]bool // issue ids; nil = any
	noIssues   map[string]bool
	ids        []idCond
	times      []timeCond
	order      []orderTerm
	relative   bool // a date relative to now was used
}

type timeCond struct {
	field string // updated | created
	op    string
	t     time.Time
}

// idCond compares the issue id with id, as numbers.
type idCond struct {
	op string // > | >= | < | <=
	id string
}

type orderTerm struct {
	field string
	desc  bool
}

type jqlError struct{ msg string }

func (e *jqlError) Error() string { return e.msg }

func jqlErrf(format string, args ...any) error { return &jqlError{fmt.Sprintf(format, args...)} }

type jqlTok struct {
	s      string
	quoted bool
}

func tokenizeJQL(s string) ([]jqlTok, error) {
	var out []jqlTok
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != c; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, jqlErrf("Error in the JQL Query: The quoted string '%s' has not been completed.", string(rs[i:]))
			}
			out = append(out, jqlTok{b.String(), true})
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			out = append(out, jqlTok{s: string(c)})
			i++
		case c == '>' || c == '<' || c == '!' || c == '=' || c == '~':
			if i+1 < len(rs) && rs[i+1] == '=' {
				out = append(out, jqlTok{s: string(rs[i : i+2])})
				i += 2
			} else {
				out = append(out, jqlTok{s: string(c)})
				i++
			}
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune(`()=,<>!"'~`, rs[j]) {
				j++
			}
			out = append(out, jqlTok{s: string(rs[i:j])})
			i = j
		}
	}
	return out, nil
}

type jqlParser struct {
	toks     []jqlTok
	pos      int
	now      time.Time
	loc      *time.Location // the zone JQL dates are read in
	org      *Org
	relative bool
}

func (p *jqlParser) peek() (jqlTok, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return jqlTok{}, false
}

func (p *jqlParser) next() (jqlTok, bool) {
	t, ok := p.peek()
	if ok {
		p.pos++
	}
	return t, ok
}

func (p *jqlParser) isWord(w string) bool {
	t, ok := p.peek()
	return ok && !t.quoted && strings.EqualFold(t.s, w)
}

// parseJQL parses the supported subset. Callers hold the org's read lock.
func parseJQL(s string, now time.Time, loc *time.Location, org *Org) (*jqlQuery, error) {
	toks, err := tokenizeJQL(s)
	if err != nil {
		return nil, err
	}
	p := &jqlParser{toks: toks, now: now, loc: loc, org: org}
	q := &jqlQuery{}
	clauses := 0
	for {
		if _, ok := p.peek(); !ok || p.isWord("ORDER") {
			break
		}
		if clauses > 0 {
			switch {
			case p.isWord("AND"):
				p.pos++
			case p.isWord("OR"):
				return nil, jqlErrf("The simulated Jira does not support OR in JQL.")
			default:
				t, _ := p.peek()
				return nil, jqlErrf("Error in the JQL Query: Expecting either 'OR' or 'AND' but got '%s'.", t.s)
			}
		}
		if err := p.clause(q); err != nil {
			return nil, err
		}
		clauses++
	}
	if clauses == 0 {
		return nil, jqlErrf("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
	}
	if p.isWord("ORDER") {
		p.pos++
		if !p.isWord("BY") {
			return nil, jqlErrf("Error in the JQL Query: Expecting 'BY' after 'ORDER'.")
		}
		p.pos++
		for {
			t, ok := p.next()
			if !ok {
				return nil, jqlErrf("Error in the JQL Query: Expecting a field name after 'ORDER BY'.")
			}
			f := strings.ToLower(t.s)
			switch f {
			case "updated", "created", "key", "id":
			case "issuekey":
				f = "key"
			default:
				return nil, jqlErrf("Not able to sort using field '%s'.", t.s)
			}
			term := orderTerm{field: f}
			if p.isWord("DESC") {
				term.desc = true
				p.pos++
			} else if p.isWord("ASC") {
				p.pos++
			}
			q.order = append(q.order, term)
			if t, ok := p.peek(); ok && t.s == "," && !t.quoted {
				p.pos++
				continue
			}
			break
		}
	}
	if t, ok := p.peek(); ok {
		return nil, jqlErrf("Error in the JQL Query: Unexpected '%s' at the end of the query.", t.s)
	}
	q.relative = p.relative
	return q, nil
}

func (p *jqlParser) clause(q *jqlQuery) error {
	ft, ok := p.next()
	if !ok {
		return jqlErrf("Error in the JQL Query: Expecting a field name.")
	}
	if ft.s == "(" && !ft.quoted {
		return jqlErrf("The simulated Jira does not support parentheses in JQL.")
	}
	field := strings.ToLower(ft.s)
	switch field {
	case "project", "key", "issuekey", "id", "updated", "created":
	default:
		return jqlErrf("Field '%s' does not exist or this field cannot be viewed by anonymous users.", ft.s)
	}
	op, ok := p.next()
	if !ok {
		return jqlErrf("Error in the JQL Query: Expecting operator after '%s'.", ft.s)
	}
	opS := strings.ToUpper(op.s)
	if opS == "NOT" && p.isWord("IN") {
		p.pos++
		opS = "NOT IN"
	}
	if field == "updated" || field == "created" {
		switch opS {
		case ">=", ">", "<=", "<", "=":
		default:
			return jqlErrf("The operator '%s' is not supported by the '%s' field.", op.s, field)
		}
		vt, ok := p.next()
		if !ok {
			return jqlErrf("Error in the JQL Query: Expecting a value after '%s'.", op.s)
		}
		t, err := p.parseDate(field, vt.s)
		if err != nil {
			return err
		}
		q.times = append(q.times, timeCond{field: field, op: opS, t: t})
		return nil
	}
	if field == "id" && (opS == ">" || opS == ">=" || opS == "<" || opS == "<=") {
		vt, ok := p.next()
		if !ok {
			return jqlErrf("Error in the JQL Query: Expecting a value after '%s'.", op.s)
		}
		is := p.org.issueByKey[vt.s]
		if is == nil || is.ID != vt.s {
			return jqlErrf("An issue with key '%s' does not exist for field 'id'.", vt.s)
		}
		q.ids = append(q.ids, idCond{op: opS, id: is.ID})
		return nil
	}
	var vals []string
	switch opS {
	case "=", "!=":
		vt, ok := p.next()
		if !ok {
			return jqlErrf("Error in the JQL Query: Expecting a value after '%s'.", op.s)
		}
		vals = []string{vt.s}
	case "IN", "NOT IN":
		if t, ok := p.next(); !ok || t.s != "(" {
			return jqlErrf("Error in the JQL Query: Expecting '(' after '%s'.", op.s)
		}
		for {
			vt, ok := p.next()
			if !ok {
				return jqlErrf("Error in the JQL Query: Expecting ')' to close the list.")
			}
			if vt.s == ")" && !vt.quoted && len(vals) == 0 {
				return jqlErrf("Error in the JQL Query: The list for '%s' is empty.", ft.s)
			}
			vals = append(vals, vt.s)
			sep, ok := p.next()
			if !ok {
				return jqlErrf("Error in the JQL Query: Expecting ')' to close the list.")
			}
			if sep.s == ")" {
				break
			}
			if sep.s != "," {
				return jqlErrf("Error in the JQL Query: Expecting ',' or ')' but got '%s'.", sep.s)
			}
		}
	default:
		return jqlErrf("The operator '%s' is not supported by the '%s' field.", op.s, field)
	}
	neg := opS == "!=" || opS == "NOT IN"
	set := map[string]bool{}
	if field == "project" {
		for _, v := range vals {
			key := ""
			for _, pr := range p.org.Projects {
				if strings.EqualFold(pr.Key, v) || pr.ID == v || strings.EqualFold(pr.Name, v) {
					key = pr.Key
				}
			}
			if key == "" {
				return jqlErrf("The value '%s' does not exist for the field 'project'.", v)
			}
			set[key] = true
		}
		if neg {
			q.noProjects = merge(q.noProjects, set)
		} else {
			q.projects = intersect(q.projects, set)
		}
		return nil
	}
	for _, v := range vals {
		is := p.org.issueByKey[strings.ToUpper(v)]
		if is == nil {
			is = p.org.issueByKey[v]
		}
		if is == nil {
			if field == "id" {
				return jqlErrf("An issue with key '%s' does not exist for field 'id'.", v)
			}
			return jqlErrf("An issue with key '%s' does not exist for field 'key'.", v)
		}
		set[is.ID] = true
	}
	if neg {
		q.noIssues = merge(q.noIssues, set)
	} else {
		q.issues = intersect(q.issues, set)
	}
	return nil
}

func merge(a, b map[string]bool) map[string]bool {
	if a == nil {
		return b
	}
	for k := range b {
		a[k] = true
	}
	return a
}

func intersect(a, b map[string]bool) map[string]bool {
	if a == nil {
		return b
	}
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}

func (p *jqlParser) parseDate(field, v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04", "2006/01/02 15:04", "2006-01-02", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, v, p.loc); err == nil {
			return t, nil
		}
	}
	if len(v) >= 3 && (v[0] == '-' || v[0] == '+') {
		n, err := strconv.Atoi(v[1 : len(v)-1])
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[v[len(v)-1]]
		if err == nil && unit > 0 {
			d := time.Duration(n) * unit
			if v[0] == '-' {
				d = -d
			}
			p.relative = true
			return p.now.Add(d).Truncate(time.Minute), nil
		}
	}
	return time.Time{}, jqlErrf("Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", v, field)
}

// match reports whether the issue, as seen with the given updated time, is selected.
func (q *jqlQuery) match(is *Issue, updated time.Time) bool {
	if q.projects != nil && !q.projects[is.Project] {
		return false
	}
	if q.noProjects[is.Project] {
		return false
	}
	if q.issues != nil && !q.issues[is.ID] {
		return false
	}
	if q.noIssues[is.ID] {
		return false
	}
	for _, c := range q.ids {
		d := compareIDs(is.ID, c.id)
		if c.op == ">" && d <= 0 || c.op == ">=" && d < 0 || c.op == "<" && d >= 0 || c.op == "<=" && d > 0 {
			return false
		}
	}
	for _, c := range q.times {
		v := updated
		if c.field == "created" {
			v = is.Created
		}
		ok := false
		switch c.op {
		case ">=":
			ok = !v.Before(c.t)
		case ">":
			ok = v.After(c.t)
		case "<=":
			ok = !v.After(c.t)
		case "<":
			ok = v.Before(c.t)
		case "=":
			ok = v.Equal(c.t)
		}
		if !ok {
			return false
		}
	}
	return true
}
