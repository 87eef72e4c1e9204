package warehouse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The embedded backend runs ClickHouse inside this process through libchdb's
// C API, called with purego (no cgo). The library is 566 MB and optional: it
// is loaded on the first chdb:// open, never at package init, so a binary
// configured for a ClickHouse server runs where no libchdb exists.
//
// This file holds the handle (chdbDB) and its DSN. chdb_lib.go loads the
// library, chdb_engine.go runs the process's one engine on a pool of
// connections (chdb_pool.go), chdb_insert.go encodes INSERTs, and
// chdb_native*.go and chdb_rows.go decode query results.

// chdbDefaultDatabase is the database a chdb:// DSN uses without ?database=.
const chdbDefaultDatabase = "runway"

// chdbDB is one handle on the shared engine, bound to one database.
type chdbDB struct {
	eng *chdbEngine
	db  string

	// mu is held shared by every call into the engine and exclusively by
	// Close, so the engine is never closed under a running statement.
	mu     sync.RWMutex
	closed bool
}

// openEmbedded opens a chdb:// DSN: chdb:///abs/path, chdb://./relative/dir
// or chdb://relative, with an optional ?database=NAME (default "runway").
func openEmbedded(ctx context.Context, path, db string) (DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lib, err := sharedLibrary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("chdb: create data folder: %w", err)
	}
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	eng, err := engines.acquire(lib, path)
	if err != nil {
		return nil, err
	}
	d := &chdbDB{eng: eng, db: db}
	if err := d.Exec(ctx, "CREATE DATABASE IF NOT EXISTS {db}"); err != nil {
		eng.release()
		return nil, err
	}
	return d, nil
}

func parseEmbeddedDSN(dsn string) (path, db string, err error) {
	shown := redactDSN(dsn)
	rest, ok := strings.CutPrefix(dsn, "chdb://")
	if !ok {
		return "", "", fmt.Errorf("%w %q: want chdb:///path/to/dir", ErrBadDSN, shown)
	}
	rawPath, rawQuery, _ := strings.Cut(rest, "?")
	if rawPath == "" {
		return "", "", fmt.Errorf("%w %q: no data folder (want chdb:///path/to/dir or chdb://./relative/dir)", ErrBadDSN, shown)
	}
	db = chdbDefaultDatabase
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return "", "", fmt.Errorf("%w %q: %v", ErrBadDSN, shown, err)
		}
		for k := range q {
			if k != "database" {
				return "", "", fmt.Errorf("%w %q: unknown option %q (only database= is supported)", ErrBadDSN, shown, k)
			}
		}
		if v := q.Get("database"); v != "" {
			db = v
		}
	}
	if !validDatabaseName(db) {
		return "", "", fmt.Errorf("%w %q: database name %q must match [A-Za-z_][A-Za-z0-9_]*", ErrBadDSN, shown, db)
	}
	abs, err := filepath.Abs(rawPath)
	if err != nil {
		return "", "", fmt.Errorf("%w %q: %v", ErrBadDSN, shown, err)
	}
	return abs, db, nil
}

func (d *chdbDB) Backend() string  { return "chdb" }
func (d *chdbDB) Cluster() string  { return "" }
func (d *chdbDB) Database() string { return d.db }

// do runs fn, a statement on the engine, under the handle's read lock, so
// Close waits for it. op names the operation for errors ("exec CREATE
// (table db.t)"); template is the statement before binding, whose names an
// engine error may mention.
func (d *chdbDB) do(ctx context.Context, op, template string, fn func() error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := fn()
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var msg engineMessage
	if errors.As(err, &msg) {
		err = parseEngineMessage(string(msg), template)
	}
	return &opError{msg: "chdb: " + op + ": " + err.Error(), err: err}
}

// statement qualifies query, binds args and names the operation for errors.
func (d *chdbDB) statement(verb, query string, args []any) (op, template, stmt string, err error) {
	template = qualify(query, d.db)
	op = verb + " " + describeStatement(template)
	stmt, err = Bind(template, args...)
	if err != nil {
		return "", "", "", fmt.Errorf("chdb: %s: %w", op, err)
	}
	return op, template, stmt, nil
}

func (d *chdbDB) Exec(ctx context.Context, query string, args ...any) error {
	op, template, stmt, err := d.statement("exec", query, args)
	if err != nil {
		return err
	}
	return d.do(ctx, op, template, func() error {
		return d.eng.query(ctx, stmt, "Null", nil)
	})
}

func (d *chdbDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	op, template, stmt, err := d.statement("query", query, args)
	if err != nil {
		return nil, err
	}
	var rows *nativeRows
	err = d.do(ctx, op, template, func() error {
		return d.eng.query(ctx, stmt, "Native", func(out []byte) (err error) {
			rows, err = newNativeRows(out)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (d *chdbDB) Ping(ctx context.Context) error {
	return d.Exec(ctx, "SELECT 1")
}

// Close releases the handle; the engine closes with its last handle. It
// waits for statements running on this handle to finish.
func (d *chdbDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	d.eng.release()
	return nil
}

// Insert writes rows as one streaming INSERT of Native blocks. Blocks are
// not atomic together: an error can leave earlier blocks written, which is
// harmless for Runway's idempotent (ReplacingMergeTree) tables.
func (d *chdbDB) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	head, err := insertHead(d.db, table, columns)
	if err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	// Every row is checked before the first block is sent, exactly as the
	// server backend does.
	if err := checkInsertRows(table, columns, rows); err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	enc := &nativeEncoder{columns: columns, rows: rows}
	return d.do(ctx, "insert into "+table, head, func() error {
		return d.eng.insert(ctx, head, enc.next)
	})
}
