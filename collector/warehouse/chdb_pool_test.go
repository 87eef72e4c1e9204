package warehouse

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestConnPool: connections open on demand up to the capacity and are
// reused; a full pool makes get wait until put or ctx ends; a failed open
// frees its slot; closeAll closes every connection.
func TestConnPool(t *testing.T) {
	var opened, closed int
	fail := false
	open := func() (*uintptr, error) {
		if fail {
			return nil, errors.New("no connection")
		}
		opened++
		h := uintptr(opened + 1)
		return &h, nil
	}
	first := uintptr(1)
	p := newConnPool(2, &first, open, func(*uintptr) { closed++ })
	ctx := context.Background()

	a, err := p.get(ctx)
	if err != nil || a != &first || opened != 0 {
		t.Fatalf("first get: %v, %v, opened %d; want the first connection", a, err, opened)
	}
	b, err := p.get(ctx)
	if err != nil || opened != 1 {
		t.Fatalf("second get: %v, opened %d", err, opened)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := p.get(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("get from a full pool: %v, want the context's error", err)
	}
	got := make(chan *uintptr)
	go func() {
		c, _ := p.get(ctx)
		got <- c
	}()
	p.put(b)
	if c := <-got; c != b || opened != 1 {
		t.Fatalf("waiting get: %v, opened %d; want the connection put back", c, opened)
	}
	p.put(b)
	p.put(a)

	// Both idle: a third connection is opened only when both are in use.
	c1, _ := p.get(ctx)
	c2, _ := p.get(ctx)
	p.put(c1)
	p.put(c2)
	if opened != 1 {
		t.Errorf("opened %d connections for 2 at a time", opened)
	}
	fail = true
	x, _ := p.get(ctx)
	y, _ := p.get(ctx)
	p.put(x)
	p.put(y)
	p.closeAll()
	if closed != 2 {
		t.Errorf("closeAll closed %d of 2", closed)
	}
	// A failed open gives its slot back.
	p = newConnPool(1, &first, open, func(*uintptr) {})
	first1, _ := p.get(ctx)
	p.put(first1)
	p.idle = nil // the connection went away: the next get must open one
	for range 2 {
		if _, err := p.get(ctx); err == nil {
			t.Fatal("get with a failing open: no error")
		}
	}
}

// TestEmbeddedParallelStatements: statements from several goroutines run
// at the same time on the engine, not one after another.
func TestEmbeddedParallelStatements(t *testing.T) {
	db := openTestDB(t, "chdb_parallel")
	const n, sleep = 4, 500 * time.Millisecond
	if maxConns() < n {
		t.Fatalf("maxConns() = %d, want at least %d", maxConns(), n)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := db.Exec(context.Background(), "SELECT sleep(?)", sleep.Seconds()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// One after another they take n*sleep; sleeping takes no CPU, so even
	// a busy machine runs them side by side.
	if elapsed := time.Since(start); elapsed > n*sleep*3/4 {
		t.Errorf("%d statements sleeping %v each took %v", n, sleep, elapsed)
	}
}
