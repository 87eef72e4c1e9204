package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestSlowClientsAreCutOff: idle, slow-header, slow-body and never-reading
// clients are disconnected within the configured timeouts, while a normal
// client keeps being answered throughout. The bounds are the timeouts plus
// a generous slack: this proves the connections end, not how fast.
func TestSlowClientsAreCutOff(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		if _, err := warehouse.Migrate(context.Background(), db, nil); err != nil {
			t.Fatal(err)
		}
		limits := Limits{ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: time.Second,
			WriteTimeout: time.Second, IdleTimeout: 700 * time.Millisecond, MaxBodyBytes: 1024}
		srv := New(Options{DB: db, Limits: limits}).HTTPServer("")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		addr := ln.Addr().String()
		const slack = 2 * time.Second

		// A normal client, answered all along.
		stop := make(chan struct{})
		var answered, failed atomic.Int64
		var wg sync.WaitGroup
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				resp, err := client.Get("http://" + addr + "/healthz")
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					answered.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})

		// closedWithin dials, runs feed (which writes what the client
		// sends, slowly or not at all) and reports when the server closed
		// the connection.
		closedWithin := func(name string, bound time.Duration, feed func(net.Conn)) {
			t.Run(name, func(t *testing.T) {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				start := time.Now() // elapsed time only: the server's timeouts run on the real clock
				closed := make(chan time.Duration, 1)
				go func() {
					_, _ = io.Copy(io.Discard, conn) // until the server closes
					closed <- time.Since(start)
				}()
				go feed(conn)
				select {
				case d := <-closed:
					if d > bound {
						t.Errorf("closed after %v, want within %v", d, bound)
					}
				case <-time.After(bound + 5*time.Second):
					t.Fatalf("still open after %v", bound+5*time.Second)
				}
			})
		}
		trickle := func(conn net.Conn, prefix, each string) {
			if _, err := io.WriteString(conn, prefix); err != nil {
				return
			}
			for {
				time.Sleep(100 * time.Millisecond)
				if _, err := io.WriteString(conn, each); err != nil {
					return
				}
			}
		}

		closedWithin("idle before a request", limits.ReadHeaderTimeout+slack, func(net.Conn) {})
		closedWithin("idle keep-alive", limits.IdleTimeout+slack, func(conn net.Conn) {
			_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		})
		closedWithin("slow headers", limits.ReadHeaderTimeout+slack, func(conn net.Conn) {
			trickle(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X")
		})
		closedWithin("slow chunked body", limits.ReadTimeout+slack, func(conn net.Conn) {
			trickle(conn, "POST /api/v1/collectors/x/run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\na\r\n")
		})

		t.Run("never reading", func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Far more answers (48 KB each, 19 MB) than the socket buffers
			// of a connection nobody reads hold (a few MB): the server's
			// writes block until WriteTimeout ends them.
			const n = 400
			req := strings.Repeat("GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n", n)
			go func() { _, _ = io.WriteString(conn, req) }()
			time.Sleep(limits.WriteTimeout + slack)
			// By now the server has given up on the connection: what it
			// managed to write reads at once, then the connection ends. A
			// server still waiting would go on answering (or stall).
			readStart := time.Now() // elapsed time only, as above
			_ = conn.SetReadDeadline(readStart.Add(2 * slack))
			br := bufio.NewReader(conn)
			got := 0
			for ; got < n; got++ {
				resp, err := http.ReadResponse(br, nil)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil {
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						t.Fatalf("after %d answers the connection neither ended nor went on", got)
					}
					break
				}
			}
			if got == n {
				t.Errorf("all %d answers arrived: the server waited for a client that did not read", n)
			}
			if d := time.Since(readStart); d > slack {
				t.Errorf("the connection ended %v after reading began, not before it: still open past WriteTimeout", d)
			}
			t.Logf("connection ended after %d of %d answers", got, n)
		})

		close(stop)
		wg.Wait()
		if failed.Load() != 0 || answered.Load() < 10 {
			t.Errorf("normal client: %d answered, %d failed", answered.Load(), failed.Load())
		}
	})
}

// TestBodyLimit: a declared body over the limit is refused at once with
// 413; a chunked one is cut off when it passes the limit.
func TestBodyLimit(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		srv := hostileServer(t, db, Options{Limits: Limits{MaxBodyBytes: 1024}})
		for _, size := range []int{1025, 1 << 20} {
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/collectors/x/run", strings.NewReader(strings.Repeat("a", size)))
			req.Header.Set("Authorization", "Bearer admin-token")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "at most 1024") {
				t.Errorf("%d-byte body: %d %s", size, resp.StatusCode, b)
			}
		}
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/collectors/x/run", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("small body: %d, want 404 (no such source)", resp.StatusCode)
		}
	})
}
