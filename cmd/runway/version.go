package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// buildInfo returns version, VCS revision and Go version.
func buildInfo() (ver, revision, goVersion string) {
	ver, revision, goVersion = version, "unknown", runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	return ver, revision, goVersion
}

func versionString() string {
	v, r, g := buildInfo()
	return fmt.Sprintf("runway %s (revision %s, %s)", v, r, g)
}
