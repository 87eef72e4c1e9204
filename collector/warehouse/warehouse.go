// Package warehouse is Runway's access to ClickHouse. Collectors write through
// it and the API reads through it. Two backends sit behind one small
// interface, selected by the DSN scheme:
//
//	clickhouse://user:pass@host:9000/db   a ClickHouse server (native protocol)
//	chdb:///path/to/dir                    embedded ClickHouse (libchdb via purego)
//
// Both backends run the same schema and the same SQL. Values reach SQL only
// through Bind, which both backends share, so a statement means the same thing
// on either; identifiers never come from user input.
package warehouse

import (
	"context"
	"errors"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// DB is what collectors and the API need from ClickHouse. Its errors are
// stored and served, so they name the operation, the table and ClickHouse's
// error code, never a bound value or a row (see errors.go).
type DB interface {
	// Exec runs one statement that returns no rows. args bind to `?`.
	Exec(ctx context.Context, query string, args ...any) error
	// Query runs one SELECT. args bind to `?`. The caller closes Rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// Insert writes rows into table with an explicit column list (ClickHouse
	// 18.16 answers an INSERT without one with an empty block). Each row holds
	// one value per column, of the Go type the column maps to (see Insert
	// types in values.go).
	Insert(ctx context.Context, table string, columns []string, rows [][]any) error
	// Ping checks that storage answers.
	Ping(ctx context.Context) error
	// Backend names the backend: "clickhouse" or "chdb".
	Backend() string
	// Database is the database all tables live in.
	Database() string
	// Cluster is the ClickHouse cluster the tables are spread over
	// (storage.cluster), "" on a single node: migrations then create
	// replicated local tables behind Distributed ones (see Render).
	Cluster() string
	Close() error
}

// Rows iterates a query result. Scan converts each column into the matching
// destination; see Assign for the supported destination types.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	// Columns names the result's columns; the embedded backend knows them
	// only from the first block, so an empty result may have none.
	Columns() []string
	Err() error
	Close() error
}

// Sentinel errors, kept in one place so callers can test with errors.Is.
var (
	// ErrLibraryMissing means a chdb:// DSN was used but libchdb could not be
	// loaded. The message names CHDB_LIB_PATH.
	ErrLibraryMissing = errors.New("embedded ClickHouse library (libchdb.so) not found: set CHDB_LIB_PATH to its path")
	// ErrBadDSN means the storage DSN could not be understood.
	ErrBadDSN = errors.New("invalid storage DSN")
	// ErrClosed is returned by a DB used after Close.
	ErrClosed = errors.New("warehouse is closed")
	// ErrBind means a value could not be bound into a statement.
	ErrBind = errors.New("cannot bind value")
	// ErrScan means a column could not be converted into its destination.
	ErrScan = errors.New("cannot scan column")
	// ErrUnavailable matches an error of a server that could not be
	// reached or whose connection broke: a fault of the moment, not of the
	// statement (the API answers 503 and the next run retries).
	ErrUnavailable = errors.New("storage unreachable")
)

// DSN is a storage DSN parsed once (at config load): the backend and what
// it opens. Its String is redacted, so it can be logged.
type DSN struct {
	raw      string
	backend  string // "clickhouse" or "chdb"
	database string
	path     string              // chdb: the data folder, absolute
	server   *clickhouse.Options // clickhouse: connection options
	cluster  string              // clickhouse: storage.cluster, "" on one node
}

// ParseDSN parses a storage DSN exactly as Open uses it, without
// connecting: a DSN it accepts fails in Open only for what needs a
// connection (an unreachable server, a wrong password, a string setting an
// old server cannot take). Errors wrap ErrBadDSN and never show a password.
func ParseDSN(dsn string) (DSN, error) {
	scheme, err := dsnScheme(dsn)
	if err != nil {
		return DSN{}, err
	}
	d := DSN{raw: dsn, backend: scheme}
	if scheme == "clickhouse" {
		d.server, d.database, err = parseServerDSN(dsn)
	} else {
		d.path, d.database, err = parseEmbeddedDSN(dsn)
	}
	if err != nil {
		return DSN{}, err
	}
	return d, nil
}

// Backend is "clickhouse" or "chdb" ("" for the zero DSN).
func (d DSN) Backend() string { return d.backend }

// Database is the database all tables live in.
func (d DSN) Database() string { return d.database }

// Path is the embedded store's data folder ("" for a server DSN).
func (d DSN) Path() string { return d.path }

// Cluster is the cluster set by WithCluster ("" on one node).
func (d DSN) Cluster() string { return d.cluster }

// WithCluster is d on the ClickHouse cluster name (storage.cluster, which
// the servers define in remote_servers). Only a server DSN can name one,
// and the name must be a plain identifier: it is written into DDL.
func (d DSN) WithCluster(name string) (DSN, error) {
	if name == "" {
		d.cluster = ""
		return d, nil
	}
	if d.backend != "clickhouse" {
		return DSN{}, fmt.Errorf("%w: a cluster needs a clickhouse:// server DSN, not %s://", ErrBadDSN, d.backend)
	}
	if !validIdentifier(name) {
		return DSN{}, fmt.Errorf("%w: cluster name %q: want letters, digits and underscores", ErrBadDSN, name)
	}
	d.cluster = name
	return d, nil
}

// String is the DSN with any password replaced.
func (d DSN) String() string { return redactDSN(d.raw) }

// IsZero reports whether d was never parsed.
func (d DSN) IsZero() bool { return d.backend == "" }

// Open connects to the warehouse named by dsn. The embedded library is only
// loaded for chdb:// DSNs, so a clickhouse:// deployment never needs it.
func Open(ctx context.Context, dsn string) (DB, error) {
	d, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return OpenDSN(ctx, d)
}

// OpenDSN connects to the warehouse of a parsed DSN.
func OpenDSN(ctx context.Context, d DSN) (DB, error) {
	switch d.backend {
	case "clickhouse":
		opts := *d.server // the DSN stays as parsed
		return openServer(ctx, &opts, d.database, d.String(), d.cluster)
	case "chdb":
		return openEmbedded(ctx, d.path, d.database)
	}
	return nil, fmt.Errorf("%w: no DSN given", ErrBadDSN)
}

// CheckDSN validates a DSN without connecting, for config validation.
func CheckDSN(dsn string) error {
	_, err := ParseDSN(dsn)
	return err
}
