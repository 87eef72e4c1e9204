package simulate

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listen serves h on a fresh loopback port (127.0.0.1:0) until stop is
// called or ctx ends. It returns the base URL, e.g. "http://127.0.0.1:41234".
func Listen(ctx context.Context, h http.Handler) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener failed; requests will fail and show it
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if srv.Shutdown(sctx) != nil {
				srv.Close()
			}
			<-done
		})
	}
	if ctx != nil {
		go func() {
			select {
			case <-ctx.Done():
				stop()
			case <-done:
			}
		}()
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// ServeHandler serves h, any vendor's simulated site, on a loopback port
// as Listen does, and panics when no loopback port can be opened.
func ServeHandler(ctx context.Context, h http.Handler) (baseURL string, stop func()) {
	url, stop, err := Listen(ctx, h)
	if err != nil {
		panic("simulate: cannot listen on loopback: " + err.Error())
	}
	return url, stop
}
