package main

import (
	"fmt"
	"io"
	"net"
)

// overviewURL is where a browser finds the overview page of a listener
// bound to addr: a wildcard host (":8080", "0.0.0.0:8080", "[::]:8080")
// is reached on loopback.
func overviewURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// printOverview is the first line serve and demo print once they listen,
// so that `make run` starts with the address to open.
func printOverview(w io.Writer, addr string) {
	fmt.Fprintf(w, "Runway overview: %s\n", overviewURL(addr))
}
