package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runway-analytics/runway/api"
	"github.com/runway-analytics/runway/collector/collectortest"
	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/warehouse"
)

// The overview page's token shell in a real browser, driven through the
// DevTools protocol over a pipe (--remote-debugging-pipe: JSON messages
// ended by NUL on file descriptors 3 and 4), which needs no WebSocket
// client.

// devtools is a DevTools session on one page.
type devtools struct {
	t       *testing.T
	w       *os.File
	msgs    chan map[string]json.RawMessage
	next    int
	session string

	mu     sync.Mutex
	thrown []string // Runtime.exceptionThrown descriptions
}

// startDevtools starts Chromium with a pipe, opens a page and attaches.
func startDevtools(t *testing.T, bin string) *devtools {
	t.Helper()
	profile, err := os.MkdirTemp("", "runway-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	toChrome, chromeIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	chromeOut, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+profile,
		"--enable-logging=stderr", "--v=0", "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fds 3 (commands) and 4 (answers)
	var errOut collectortest.LogBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	fromChrome.Close()
	d := &devtools{t: t, w: chromeIn, msgs: make(chan map[string]json.RawMessage, 64)}
	go func() {
		r := bufio.NewReader(chromeOut)
		for {
			b, err := r.ReadBytes(0)
			if err != nil {
				close(d.msgs)
				return
			}
			var m map[string]json.RawMessage
			if json.Unmarshal(b[:len(b)-1], &m) == nil {
				d.msgs <- m
			}
		}
	}()
	t.Cleanup(func() {
		chromeIn.Close() // Chromium exits when its command pipe closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		chromeOut.Close()
		os.RemoveAll(profile)
		for line := range strings.Lines(errOut.String()) {
			if strings.Contains(line, "Uncaught") || strings.Contains(line, "Content Security Policy") {
				t.Errorf("the browser console says: %s", strings.TrimSpace(line))
			}
		}
	})
	var target struct {
		TargetID string `json:"targetId"`
	}
	d.call("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	d.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	d.session = attached.SessionID
	d.call("Runtime.enable", nil, nil)
	d.call("Page.enable", nil, nil)
	return d
}

// call sends a command (to the page once attached) and decodes its result.
func (d *devtools) call(method string, params any, result any) {
	d.t.Helper()
	d.next++
	msg := map[string]any{"id": d.next, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if d.session != "" {
		msg["sessionId"] = d.session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := d.w.Write(append(b, 0)); err != nil {
		d.t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-d.msgs:
			if !ok {
				d.t.Fatalf("%s: Chromium closed the pipe", method)
			}
			if string(m["method"]) == `"Runtime.exceptionThrown"` {
				d.mu.Lock()
				d.thrown = append(d.thrown, string(m["params"]))
				d.mu.Unlock()
			}
			var id int
			if json.Unmarshal(m["id"], &id) != nil || id != d.next {
				continue
			}
			if e := m["error"]; e != nil {
				d.t.Fatalf("%s: %s", method, e)
			}
			if result != nil {
				if err := json.Unmarshal(m["result"], result); err != nil {
					d.t.Fatalf("%s: %v", method, err)
				}
			}
			return
		case <-timeout:
			d.t.Fatalf("%s: no answer from Chromium", method)
		}
	}
}

// eval evaluates a JavaScript expression in the page and returns its value.
func (d *devtools) eval(expr string) any {
	d.t.Helper()
	var r struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	d.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	if r.Exception != nil {
		d.t.Fatalf("%s: %s", expr, r.Exception.Text)
	}
	return r.Result.Value
}

// waitFor waits until expr is true in the page.
func (d *devtools) waitFor(what, expr string) {
	d.t.Helper()
	if !eventually(15*time.Second, 50*time.Millisecond, func() bool { return d.eval(expr) == true }) {
		d.t.Fatalf("waiting for %s (%s)", what, expr)
	}
}

// submitToken types a token into the page's form and submits it.
func (d *devtools) submitToken(token string) {
	d.t.Helper()
	b, _ := json.Marshal(token)
	d.eval(`document.getElementById("token-input").value = ` + string(b) + `; document.getElementById("token-form").requestSubmit(); true`)
}

// TestOverviewTokenInBrowser: on a server with tokens the page asks for
// one; a wrong token gets the 401 message and is not kept; a read token
// shows the overview, is kept in the tab's sessionStorage only (no
// cookie, never in a URL) and survives a reload; "Forget token" drops it.
func TestOverviewTokenInBrowser(t *testing.T) {
	bin := chromiumBin(t)
	ctx := context.Background()
	db, err := warehouse.Open(ctx, serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	const token = "r-token-0123456789"
	h := api.New(api.Options{DB: db, Tokens: []config.Token{{Name: "managers", Scope: "read", Value: token}}}).Handler()
	var mu sync.Mutex
	var seen []string // every request's URL and cookies
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.String()+" cookies="+r.Header.Get("Cookie"))
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	d := startDevtools(t, bin)
	d.call("Page.navigate", map[string]any{"url": srv.URL + "/"}, nil)
	d.waitFor("the token form", `document.readyState === "complete" && !!document.getElementById("token-form") && !document.getElementById("token-form").hidden`)
	if d.eval(`!!document.querySelector("[data-metric]") || !!document.querySelector("[data-overview=ready]")`) != false {
		t.Error("the shell shows data before a token is given")
	}

	d.submitToken("wrong-token")
	d.waitFor("the 401 message", `document.getElementById("token-message").textContent.includes("401")`)
	if v := d.eval(`sessionStorage.getItem("runway.token")`); v != nil {
		t.Errorf("a refused token is kept: %v", v)
	}

	d.submitToken(token)
	d.waitFor("the overview", `!!document.querySelector("#overview-data [data-overview=ready]")`)
	for expr, want := range map[string]any{
		`sessionStorage.getItem("runway.token")`:                  token,
		`localStorage.length`:                                     float64(0),
		`document.cookie`:                                         "",
		`location.href`:                                           srv.URL + "/",
		`document.getElementById("token-form").hidden`:            true,
		`document.getElementById("token-message").textContent`:    "",
		`!!document.querySelector("#overview-data [data-empty]")`: true, // the empty warehouse's notes
	} {
		if got := d.eval(expr); got != want {
			t.Errorf("%s: %v, want %v", expr, got, want)
		}
	}

	d.call("Page.reload", nil, nil)
	d.waitFor("the overview after a reload", `document.readyState === "complete" && !!document.querySelector("#overview-data [data-overview=ready]")`)

	d.eval(`document.getElementById("token-forget").click(); true`)
	d.waitFor("the token dropped", `sessionStorage.getItem("runway.token") === null && !document.querySelector("[data-overview=ready]") && !document.getElementById("token-form").hidden`)

	d.mu.Lock()
	if len(d.thrown) > 0 {
		t.Errorf("the page threw: %v", d.thrown)
	}
	d.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	fragments := 0
	for _, s := range seen {
		if strings.Contains(s, token) || !strings.HasSuffix(s, "cookies=") {
			t.Errorf("the token or a cookie reached the server outside the header: %s", s)
		}
		if strings.HasPrefix(s, "/ui/overview") {
			fragments++
		}
	}
	if fragments != 3 { // the wrong token, the read token, the reload
		t.Errorf("%d fragment requests, want 3: %v", fragments, seen)
	}
}
