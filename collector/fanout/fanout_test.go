package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOrdered: every index is used once, in order, whatever order the
// fetches end in, and no more than workers are in flight or waiting.
func TestOrdered(t *testing.T) {
	var inFlight, peak atomic.Int64
	var used []int
	err := Ordered(context.Background(), 50, 4,
		func(ctx context.Context, i int) (string, error) {
			if n := inFlight.Add(1); n > peak.Load() {
				peak.Store(n)
			}
			defer inFlight.Add(-1)
			time.Sleep(time.Duration((i*7)%5) * time.Millisecond) // end out of order
			return fmt.Sprint(i), nil
		},
		func(i int, v string, err error) error {
			if err != nil || v != fmt.Sprint(i) {
				return fmt.Errorf("index %d got %q, %v", i, v, err)
			}
			used = append(used, i)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) != 50 {
		t.Fatalf("used %d results, want 50", len(used))
	}
	for i, u := range used {
		if u != i {
			t.Fatalf("use order %v", used)
		}
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak fetches in flight %d, want 2–4 (bounded by workers, and concurrent)", p)
	}
}

// TestOrderedStops: an error from use stops the run: later indexes are not
// used, fetches still running see a cancelled context, and Ordered
// returns only after they have returned.
func TestOrderedStops(t *testing.T) {
	boom := errors.New("boom")
	var mu sync.Mutex
	var used []int
	var running atomic.Int64
	err := Ordered(context.Background(), 100, 3,
		func(ctx context.Context, i int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			if i == 2 {
				return 0, boom
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Millisecond):
				return i, nil
			}
		},
		func(i int, v int, err error) error {
			mu.Lock()
			defer mu.Unlock()
			used = append(used, i)
			return err
		})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if fmt.Sprint(used) != "[0 1 2]" {
		t.Errorf("used %v, want [0 1 2]", used)
	}
	if n := running.Load(); n != 0 {
		t.Errorf("%d fetches still running after Ordered returned", n)
	}
}

// TestOrderedCancelled: a cancelled context ends the run with its error.
func TestOrderedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Ordered(ctx, 10, 2,
		func(ctx context.Context, i int) (int, error) { return i, ctx.Err() },
		func(i int, v int, err error) error { return err })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
