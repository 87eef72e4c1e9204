package warehouse

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFitDateTimes(t *testing.T) {
	ptr := func(tm time.Time) *time.Time { return &tm }
	ok := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	year202 := time.Date(202, 3, 1, 0, 0, 0, 0, time.UTC)
	year2202 := time.Date(2202, 3, 1, 12, 30, 0, 0, time.UTC)
	first, last := time.Unix(0, 0).UTC(), time.Unix(math.MaxUint32, 0).UTC()

	for _, c := range []struct {
		name     string
		in, want Row
		warnings []string
	}{
		{
			name: "nullable times become NULL",
			in:   SprintRow{Source: "acme", SprintID: "5", Name: "S5", Start: ptr(year2202), End: ptr(year202), Activated: ptr(ok)},
			want: SprintRow{Source: "acme", SprintID: "5", Name: "S5", Activated: ptr(ok)},
			warnings: []string{
				"sprints (source=acme, sprint_id=5): start_date 2202-03-01T12:30:00Z is outside DateTime; stored as NULL",
				"sprints (source=acme, sprint_id=5): end_date 0202-03-01T00:00:00Z is outside DateTime; stored as NULL",
			},
		},
		{
			name: "non-nullable times are clamped, the zero time to 1970",
			in: IssueRow{Source: "acme", IssueID: "10001", Key: "ACME-1", Created: time.Time{}, Updated: year2202,
				Resolved: ptr(time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC)), Labels: []string{"x"}},
			want: IssueRow{Source: "acme", IssueID: "10001", Key: "ACME-1", Created: first, Updated: last, Labels: []string{"x"}},
			warnings: []string{
				"issues (source=acme, issue_id=10001, issue_key=ACME-1): created 0001-01-01T00:00:00Z is outside DateTime; stored as 1970-01-01T00:00:00Z",
				"issues (source=acme, issue_id=10001, issue_key=ACME-1): updated 2202-03-01T12:30:00Z is outside DateTime; stored as 2106-02-07T06:28:15Z",
				"issues (source=acme, issue_id=10001, issue_key=ACME-1): resolved 1969-12-31T23:59:59.5Z is outside DateTime; stored as NULL",
			},
		},
		{
			name: "every set id column names the entity; odd values are quoted",
			in:   MembershipIntervalRow{Source: "acme corp", Kind: "sprint", ContainerID: "7", IssueID: "", Entered: year202},
			want: MembershipIntervalRow{Source: "acme corp", Kind: "sprint", ContainerID: "7", IssueID: "", Entered: first},
			warnings: []string{
				`membership_intervals (source="acme corp", container_id=7): entered 0202-03-01T00:00:00Z is outside DateTime; stored as 1970-01-01T00:00:00Z`,
			},
		},
		{
			name: "times in a zone are judged and shown in UTC",
			in:   RunRow{Source: "s", RunID: "r1", Started: time.Date(1970, 1, 1, 8, 0, 0, 0, time.FixedZone("JST", 9*3600))},
			want: RunRow{Source: "s", RunID: "r1", Started: first},
			warnings: []string{
				"collector_runs (source=s, run_id=r1): started 1969-12-31T23:00:00Z is outside DateTime; stored as 1970-01-01T00:00:00Z",
			},
		},
		{
			name: "the range's ends and a fraction of a second past the last are kept",
			in:   SprintRow{Source: "acme", SprintID: "6", Start: ptr(first), End: ptr(last.Add(time.Second / 2))},
			want: SprintRow{Source: "acme", SprintID: "6", Start: ptr(first), End: ptr(last.Add(time.Second / 2))},
		},
		{
			name: "a row without times",
			in:   ProjectRow{Key: "web", Name: "Web"},
			want: ProjectRow{Key: "web", Name: "Web"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []Row{c.in}
			before := c.in
			fitted, warnings := FitDateTimes(in)
			if len(fitted) != 1 || !reflect.DeepEqual(fitted[0], c.want) {
				t.Errorf("fitted = %+v\nwant %+v", fitted, c.want)
			}
			if strings.Join(warnings, "\n") != strings.Join(c.warnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(c.warnings, "\n"))
			}
			if !reflect.DeepEqual(in[0], before) {
				t.Errorf("input row changed to %+v", in[0])
			}
			if err := checkInsertRows(c.want.Table(), Columns(fitted[0]), [][]any{Values(fitted[0])}); err != nil {
				t.Errorf("fitted row is still refused: %v", err)
			}
			if c.warnings == nil && &fitted[0] != &in[0] {
				t.Error("nothing to fix, but the slice was copied")
			}
		})
	}
}

// TestFitDateTimesLeavesInputAlone: of many rows only the bad ones are
// replaced, in a new slice; the caller's slice and the times its pointers
// point at stay as they were.
func TestFitDateTimesLeavesInputAlone(t *testing.T) {
	good := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	bad := time.Date(2202, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := []Row{
		SprintRow{Source: "a", SprintID: "1", End: &good},
		SprintRow{Source: "a", SprintID: "2", End: &bad},
		SprintRow{Source: "a", SprintID: "3", Start: &good},
	}
	fitted, warnings := FitDateTimes(rows)
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "sprints (source=a, sprint_id=2): end_date ") {
		t.Fatalf("warnings = %q", warnings)
	}
	if &fitted[0] == &rows[0] {
		t.Fatal("fixed rows written into the caller's slice")
	}
	if rows[1].(SprintRow).End != &bad || !bad.Equal(time.Date(2202, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("the caller's row or time was changed")
	}
	if fitted[1].(SprintRow).End != nil || fitted[0].(SprintRow).End != &good || fitted[2].(SprintRow).Start != &good {
		t.Errorf("fitted = %+v", fitted)
	}
	if f, w := FitDateTimes(nil); f != nil || w != nil {
		t.Errorf("FitDateTimes(nil) = %v, %v", f, w)
	}
}
