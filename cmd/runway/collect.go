package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/runway-analytics/runway/collector/config"
)

func cmdCollect(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	cfg, names, err := loadConfig("collect", args, stderr, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	if len(cfg.Sources) == 0 {
		return fmt.Errorf("%w: the config has no sources to collect", errUsage)
	}
	// A signal (ctx done) stops the run in progress at once: it keeps what
	// its checkpoints committed and records its failure. That, and closing
	// the store, get api.shutdown_timeout; past it collect exits without
	// them, so that a store that stopped answering cannot hold the process.
	// Nothing committed is lost then either: a commit writes the rows
	// before the cursors they justify.
	done := make(chan error, 1)
	go func() { done <- collectSources(ctx, cfg, log, names, stdout, stderr) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	grace := cfg.API.ShutdownTimeout.D()
	if grace <= 0 {
		grace = 30 * time.Second
	}
	log.Info("stopping: the run in progress is cancelled; its checkpoints are kept", "timeout", grace)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("stopped without waiting any longer: the collection did not end within api.shutdown_timeout (%s) "+
			"of the signal (what its checkpoints committed is kept; the next run resumes from there)", grace)
	}
}

// collectSources runs the sources named in names (all when empty) once,
// one after the other, printing a summary line per source.
func collectSources(ctx context.Context, cfg config.Config, log *slog.Logger, names []string, stdout, stderr io.Writer) error {
	a, err := open(ctx, cfg, log, names)
	if err != nil {
		return err
	}
	defer a.close()

	tty := isTerminal(stderr)
	failed := 0
	for _, name := range a.runner.Sources() {
		var p *progressLine
		var progress func(string, int, int)
		if tty {
			p = &progressLine{w: stderr, source: name, start: time.Now()}
			progress = p.update
		}
		res, err := a.runner.RunOnce(ctx, name, progress)
		if p != nil {
			p.clear()
		}
		dur := res.Finished.Sub(res.Started).Round(time.Millisecond)
		if err != nil {
			failed++
			// Upstream errors already start with the source name.
			cause := res.Err
			if cause == nil { // the run never started
				cause = err
			}
			msg := strings.TrimPrefix(oneLine(cause.Error()), name+": ")
			fmt.Fprintf(stdout, "%s: FAILED after %s, %d requests: %s\n", name, dur, res.Requests, msg)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		fmt.Fprintf(stdout, "%s: ok in %s, %d requests (%d retries), %d rows\n", name, dur, res.Requests, res.Retries, res.TotalRows())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d source(s) failed", failed, len(a.runner.Sources()))
	}
	return nil
}

// progressLine redraws one status line on a terminal.
type progressLine struct {
	mu     sync.Mutex
	w      io.Writer
	source string
	start  time.Time
	last   time.Time
}

func (p *progressLine) update(stage string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && (total == 0 || done < total) {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Round(time.Second)
	if total > 0 {
		const width = 30
		fill := min(width, done*width/total)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < fill {
				bar[i] = '='
			}
		}
		fmt.Fprintf(p.w, "\r\033[K%s %s [%s] %d/%d %s", p.source, stage, bar, done, total, elapsed)
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s %s %d %s", p.source, stage, done, elapsed)
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
