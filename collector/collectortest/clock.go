// Package collectortest holds test machinery shared by the collector
// packages. It imports no vendor package, so every package's own tests
// (simulate's included) can use it.
package collectortest

import (
	"fmt"
	"os"
	"time"
)

// EnvNow names the switch that moves the clock of generated test data:
// an RFC 3339 instant. Go reads the time through the vDSO, so libfaketime
// cannot move a test's clock; this is how the suite runs "on another day".
const EnvNow = "RUNWAY_TEST_NOW"

// Now is the clock of a test whose data is laid out relative to it
// (generated orgs, simulators): RUNWAY_TEST_NOW when set, else def, in
// UTC and truncated to the second (ClickHouse DateTime). Fixtures with
// absolute, hand-worked dates keep their own fixed clock instead.
//
// An unparsable RUNWAY_TEST_NOW panics: a test that silently ran on its
// default day would claim a date it never tried.
func Now(def time.Time) time.Time {
	t := def
	if v := os.Getenv(EnvNow); v != "" {
		p, err := time.Parse(time.RFC3339, v)
		if err != nil {
			panic(fmt.Sprintf("%s=%q is not an RFC 3339 time (like 2027-02-28T12:00:00Z): %v", EnvNow, v, err))
		}
		t = p
	}
	return t.UTC().Truncate(time.Second)
}
