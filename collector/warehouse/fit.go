package warehouse

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// FitDateTimes returns rows with every time a DateTime column cannot hold
// (see checkDateTime: before 1970, the zero time.Time included, or after
// 2106-02-07 06:28:15 UTC; a date typed as year 0202 or 2202 upstream) fixed,
// and one warning per fixed value. A *time.Time field becomes nil (NULL); a
// time.Time field, which cannot be NULL, is clamped to the nearer end of the
// range. Each warning names the table, the entity (source and the *_id, key
// and *_key columns that are set), the column and the original time:
//
//	sprints (source=acme, sprint_id=5): end_date 0202-03-01T00:00:00Z is outside DateTime; stored as NULL
//
// Insert refuses such a time with ErrBind, which would fail a whole commit
// and leave the run's cursor where it was for good; the runner calls
// FitDateTimes on a run's rows before committing them and logs the warnings
// instead (DESIGN.md §3: one bad row never fails a commit).
//
// rows is not modified. When no time needs fixing, rows itself comes back;
// otherwise a new slice in which only the fixed rows are new values.
func FitDateTimes(rows []Row) (fitted []Row, warnings []string) {
	fitted = rows
	copied := false
	for i, r := range rows {
		fixed, ws := fitRow(r)
		if ws == nil {
			continue
		}
		if !copied { // the caller's slice is left alone
			fitted, copied = append([]Row(nil), rows...), true
		}
		fitted[i] = fixed
		warnings = append(warnings, ws...)
	}
	return fitted, warnings
}

var (
	timePtrType = reflect.TypeFor[*time.Time]()
	firstTime   = time.Unix(minDateTime, 0).UTC()
	lastTime    = time.Unix(maxDateTime, 0).UTC()
)

// fitRow fixes one row; it returns nil warnings when nothing needed fixing.
func fitRow(r Row) (Row, []string) {
	v := reflect.ValueOf(r)
	if v.Kind() != reflect.Struct {
		return r, nil
	}
	var out reflect.Value // a copy of r, made on the first fix
	var warnings []string
	for _, c := range columnsOf(v.Type()) {
		f := v.Field(c.index)
		var orig time.Time
		switch f.Type() {
		case timeType:
			orig = f.Interface().(time.Time)
		case timePtrType:
			if f.IsNil() {
				continue
			}
			orig = *f.Interface().(*time.Time)
		default:
			continue
		}
		if checkDateTime(orig) == nil {
			continue
		}
		if !out.IsValid() {
			out = reflect.New(v.Type()).Elem()
			out.Set(v)
		}
		stored := "NULL"
		if f.Type() == timeType {
			clamped := firstTime
			if !orig.IsZero() && orig.Unix() > maxDateTime {
				clamped = lastTime
			}
			out.Field(c.index).Set(reflect.ValueOf(clamped))
			stored = clamped.Format(time.RFC3339)
		} else {
			out.Field(c.index).SetZero() // a nil pointer; the caller's time is untouched
		}
		warnings = append(warnings, r.Table()+" ("+entityOf(v)+"): "+c.name+" "+
			orig.UTC().Format(time.RFC3339Nano)+" is outside DateTime; stored as "+stored)
	}
	if warnings == nil {
		return r, nil
	}
	return out.Interface().(Row), warnings
}

// entityOf names a row by its identifying columns: source and the *_id, key
// and *_key columns, those that are set.
func entityOf(v reflect.Value) string {
	var parts []string
	for _, c := range columnsOf(v.Type()) {
		if c.name != "source" && c.name != "key" && !strings.HasSuffix(c.name, "_id") && !strings.HasSuffix(c.name, "_key") {
			continue
		}
		s, ok := v.Field(c.index).Interface().(string)
		if !ok || s == "" {
			continue
		}
		parts = append(parts, c.name+"="+plainOrQuoted(s))
	}
	return strings.Join(parts, ", ")
}

// plainOrQuoted leaves a value as it is unless it could blur the warning
// (spaces, separators, quotes, control bytes), which it then quotes.
func plainOrQuoted(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || strings.IndexByte(`,()="'\`, c) >= 0 {
			return strconv.Quote(s)
		}
	}
	return s
}
