// Package fanout fetches independent things (each board's sprints, each
// project's versions, each repository's pages) concurrently and hands
// them back in order, so that a source writes exactly the rows it would
// write fetching one at a time, only sooner: with 50 ms between a
// collector and a distant site, 200 boards cost 10 s one at a time and
// a quarter of that four at a time.
package fanout

import (
	"context"
	"sync"
)

// Workers is how many requests a source keeps in flight by default: few
// enough to stay within every vendor's documented limits (the clients
// still honour Retry-After and rate-limit headers on each request).
const Workers = 4

// Ordered calls fetch(ctx, i) for every i in [0, n), at most workers at a
// time, and use(i, value, err) on the calling goroutine in index order.
// At most workers results are fetched ahead of use, so memory is bounded
// by workers results. The first error use returns stops the rest (their
// context is cancelled) and is returned after every fetch has returned.
// fetch's error goes to use, which decides whether it stops the run.
func Ordered[T any](ctx context.Context, n, workers int,
	fetch func(ctx context.Context, i int) (T, error), use func(i int, v T, err error) error) error {
	if n <= 0 {
		return nil
	}
	workers = max(1, min(workers, n))
	type result struct {
		v   T
		err error
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	slots := make([]chan result, n)
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	ahead := make(chan struct{}, workers) // a slot per result fetched and not yet used
	wg.Go(func() {
		for i := range n {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				v, err := fetch(ctx, i)
				slots[i] <- result{v, err}
			})
		}
	})
	for i := range n {
		select {
		case r := <-slots[i]:
			<-ahead
			if err := use(i, r.v, r.err); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
