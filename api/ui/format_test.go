package ui

import (
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{days(nil), "—"},
		{days(f(20.6)), "20.6"},
		{days(f(-1.8875)), "-1.9"},
		{days(f(-0.04)), "0.0"},
		{days(f(0)), "0.0"},
		{days(f(17)), "17.0"},
		{pct(nil), "—"},
		{pct(f(0.21428571428571427)), "21%"},
		{pct(f(1)), "100%"},
		{pct(f(0.125)), "12%"}, // round half to even, as strconv does
		{pct(f(-0.001)), "0%"},
		{whole(f(365)), "365"},
		{whole(nil), "—"},
		{date(nil), "—"},
		{date(new(time.Date(2024, 6, 1, 23, 30, 0, 0, time.FixedZone("x", -3600)))), "2024-06-02"},
		{statusText("done_late"), "done late"},
		{projectType("ongoing_support"), "ongoing support"},
		{projectType("custom"), "custom"},
		{within(nil), ""},
		{within(new(true)), "within"},
		{within(new(false)), "outside"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
