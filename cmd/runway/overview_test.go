package main

import (
	"strings"
	"testing"
)

func TestOverviewURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":       "http://127.0.0.1:8080/",
		":8080":                "http://127.0.0.1:8080/",
		"0.0.0.0:9000":         "http://127.0.0.1:9000/",
		"[::]:9000":            "http://127.0.0.1:9000/",
		"[::1]:9000":           "http://[::1]:9000/",
		"10.1.2.3:80":          "http://10.1.2.3:80/",
		"runway.internal:8080": "http://runway.internal:8080/",
	} {
		if got := overviewURL(addr); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
	var b strings.Builder
	printOverview(&b, "127.0.0.1:8080")
	if b.String() != "Runway overview: http://127.0.0.1:8080/\n" {
		t.Errorf("%q", b.String())
	}
}
