// Package collectortest holds test machinery shared by the collector
// packages. It imports no vendor package, so every package's own tests
// (simulate's included) can use it.
package collectortest

import (
	"fmt"
	"os"
	"sync"
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

// Clock is a simulated clock for a source under test: it stands still
// until the test moves it (between two runs, say), and its Now serves as
// collector.Deps.Now or a simulator's clock. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (backwards too).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock on by d and returns the new time.
func (c *Clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
