package main

import "time"

// eventually calls cond every `every` until it holds or `within` has
// passed, and says whether it held. The bound is a timer, not a reading
// of the clock: nothing here depends on the day the test runs.
func eventually(within, every time.Duration, cond func() bool) bool {
	bound := time.NewTimer(within)
	defer bound.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-bound.C:
			return cond()
		case <-time.After(every):
		}
	}
}
