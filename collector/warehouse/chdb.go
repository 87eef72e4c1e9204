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
// library, chdb_engine.go runs the process's one engine, chdb_insert.go
// encodes INSERTs, chdb_rows.go and chdb_json.go decode query results.

// chdbDefaultDatabase is the database a chdb:// DSN uses without ?database=.
const chdbDefaultDatabase = "runway"

// queryFormat is the output format Query asks for: one JSON array per row
// after a names line and a types line, so values can be converted per
// ClickHouse type.
const queryFormat = "JSONCompactEachRowWithNamesAndTypes"

// Insert chunking: one INSERT per chunk keeps memory bounded, and each chunk
// becomes one part, so chunks should be large. On the narrow rows of
// BenchmarkInsert (whtest; ~65 bytes a row) 200k-row chunks ran at ~1M rows/s
// against ~550k rows/s for 20k-row chunks.
const (
	insertChunkRows  = 200_000
	insertChunkBytes = 16 << 20
)

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
func (d *chdbDB) Database() string { return d.db }

// run runs one rendered statement under the handle's read lock. op names
// the operation for errors ("exec CREATE (table db.t)"); template is the
// statement before binding, whose names an engine error may mention.
func (d *chdbDB) run(ctx context.Context, op, template, stmt, format string, wantOutput bool) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := d.eng.query(stmt, format, wantOutput)
	if err != nil {
		var msg engineMessage
		if errors.As(err, &msg) {
			err = parseEngineMessage(string(msg), template)
		}
		return nil, &opError{msg: "chdb: " + op + ": " + err.Error(), err: err}
	}
	return out, nil
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
	_, err = d.run(ctx, op, template, stmt, "TabSeparated", false)
	return err
}

func (d *chdbDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	op, template, stmt, err := d.statement("query", query, args)
	if err != nil {
		return nil, err
	}
	out, err := d.run(ctx, op, template, stmt, queryFormat, true)
	if err != nil {
		return nil, err
	}
	rows, err := newJSONRows(out)
	if err != nil {
		return nil, fmt.Errorf("chdb: %s: %w", op, err)
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

// Insert writes rows as INSERT ... VALUES statements of up to
// insertChunkRows rows or insertChunkBytes bytes each. Chunks are not atomic
// together: an error leaves earlier chunks written, which is harmless for
// Runway's idempotent (ReplacingMergeTree) tables.
func (d *chdbDB) Insert(ctx context.Context, table string, columns []string, rows [][]any) error {
	head, err := insertHead(d.db, table, columns)
	if err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	// Every row is checked before the first chunk is sent, exactly as the
	// server backend does.
	if err := checkInsertRows(table, columns, rows); err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := d.run(ctx, "insert into "+table, head, b.String(), "TabSeparated", false)
		b.Reset()
		n = 0
		return err
	}
	for i, row := range rows {
		if n == 0 {
			b.Grow(min(insertChunkBytes+insertChunkBytes/8, 64*len(columns)*(len(rows)-i)))
			b.WriteString(head)
		} else {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteByte(',')
			}
			if err := appendInsertValue(&b, v); err != nil {
				return fmt.Errorf("chdb: insert into %s: row %d column %s: %w", table, i, columns[j], err)
			}
		}
		b.WriteByte(')')
		n++
		if n >= insertChunkRows || b.Len() >= insertChunkBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
