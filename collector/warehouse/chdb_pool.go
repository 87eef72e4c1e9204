package warehouse

import (
	"context"
	"runtime"
	"sync"
)

// libchdb runs one statement at a time on a connection (its client holds a
// mutex for the whole statement), so statements sent through one
// connection queue behind each other however many goroutines send them.
// Connections on the same data folder share the engine, its tables and its
// caches, and run in parallel, so the engine keeps a pool of them. A
// statement may run on any of them: none may rely on session state (SET,
// USE, temporary tables), and Runway's statements name their database.

// maxConns bounds the connections of the engine, so that many clients
// queue here rather than oversubscribe the cores. On 2 cores with 8 clients
// (BenchmarkEmbeddedConcurrency) 1 connection gave ~280 small queries/s,
// 2 ~400, 4 ~450 and 8 ~465, with the worst p99 at 8.
func maxConns() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// connPool hands out connections, opening them on demand up to its
// capacity, and keeps the idle ones for reuse.
type connPool struct {
	open  func() (*uintptr, error)
	close func(*uintptr)
	slots chan struct{} // a token per connection in use

	mu   sync.Mutex
	idle []*uintptr
}

func newConnPool(size int, first *uintptr, open func() (*uintptr, error), close func(*uintptr)) *connPool {
	return &connPool{open: open, close: close, slots: make(chan struct{}, size), idle: []*uintptr{first}}
}

// get returns an idle connection or a new one, waiting while all are in
// use; a cancelled ctx stops the wait.
func (p *connPool) get(ctx context.Context) (*uintptr, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := p.open()
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// put gives back a connection from get.
func (p *connPool) put(c *uintptr) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	<-p.slots
}

// closeAll closes every connection; none may be in use. The engine stops
// with its last connection.
func (p *connPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		p.close(c)
	}
	p.idle = nil
}
