package collectortest

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// RunHeap runs fn and returns how far the live Go heap (what the last
// collection kept) rose above where it stood before: the memory fn held
// at its peak, whatever was allocated before it (a simulated site's org)
// and the garbage a collection would free left out. The collector runs
// at GOGC=20 meanwhile so that live is measured often; it is sampled
// every 10 ms.
func RunHeap(fn func()) (peakMB float64) {
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := live()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, live())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	if peak < base {
		return 0
	}
	return float64(peak-base) / (1 << 20)
}
