// Command runway is Runway's single binary: serve (API, scheduler and
// /metrics), collect (one-off backfill), migrate, demo, bench and version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	// Jira reads JQL dates in the API user's time zone; embedding the zone
	// database keeps that right on hosts and images without one.
	_ "time/tzdata"

	"github.com/runway-analytics/runway/collector/config"
	"github.com/runway-analytics/runway/collector/sources"
)

func main() {
	// Signals become a context here and nowhere else.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, config.OSEnv())
	stop()
	os.Exit(code)
}

const usage = `Runway: engineering workload analytics on ClickHouse.

Usage:
  runway serve   [--config FILE]            run migrations, the scheduler, the API and /metrics
  runway collect [--config FILE] [SOURCE...] collect sources once now (backfill) and exit
  runway migrate [--config FILE]            apply schema migrations and exit
  runway demo                               serve a simulated org on the embedded store
  runway bench   [--scale F] [--dsn DSN]    generate a large org, ingest it, load every endpoint; print a table
  runway version                            print version information

Every config value can be overridden by a RUNWAY_* environment variable
named after its path (storage.dsn -> RUNWAY_STORAGE_DSN).
`

// errUsage marks command-line mistakes (exit status 2).
var errUsage = errors.New("usage")

// env is the environment (lookups and the names it holds, so that a
// RUNWAY_* variable naming no setting is an error); injected so tests
// control it.
type env = config.Env

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr, getenv)
	case "collect":
		err = cmdCollect(ctx, rest, stdout, stderr, getenv)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr, getenv)
	case "demo":
		err = cmdDemo(ctx, rest, stdout, stderr, getenv)
	case "bench":
		err = cmdBench(ctx, rest, stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "runway: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "runway %s: %s\n", cmd, strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	default:
		// One clear line, no stack trace.
		fmt.Fprintf(stderr, "runway %s: %s\n", cmd, oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// loadConfig parses the --config flag set and loads the file.
func loadConfig(name string, args []string, stderr io.Writer, getenv env, opts ...config.LoadOption) (config.Config, []string, error) {
	fs := flag.NewFlagSet("runway "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file (default: built-in defaults)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, nil, err
		}
		return config.Config{}, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if *path == "" {
		if p, ok := getenv.Lookup("RUNWAY_CONFIG"); ok {
			*path = p
		}
	}
	cfg, err := config.Load(*path, getenv, sources.Registry().ConfigTypes(), opts...)
	if err != nil {
		return config.Config{}, nil, err
	}
	return cfg, fs.Args(), nil
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var lvl slog.Level
	switch cfg.Level {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
