package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
)

// The database's own speed, for the ingest ratio: on the server backend
// bench also writes every row it ingests to a TabSeparated file per table,
// then has clickhouse-client insert those files into a copy of the schema
// (database <db>_client). Runway's rows/s over clickhouse-client's is the
// ratio the table reports.

// tsvFiles collects rows as TabSeparated files, one per table.
type tsvFiles struct {
	dir   string
	files map[string]*os.File
	w     map[string]*bufio.Writer
	cols  map[string][]string
	rows  map[string]int64
}

func newTSVFiles(dir string) *tsvFiles {
	return &tsvFiles{dir: dir, files: map[string]*os.File{}, w: map[string]*bufio.Writer{},
		cols: map[string][]string{}, rows: map[string]int64{}}
}

func (t *tsvFiles) add(r warehouse.Row) error {
	table := r.Table()
	w := t.w[table]
	if w == nil {
		f, err := os.Create(filepath.Join(t.dir, table+".tsv"))
		if err != nil {
			return err
		}
		t.files[table], t.cols[table] = f, warehouse.Columns(r)
		w = bufio.NewWriterSize(f, 1<<20)
		t.w[table] = w
	}
	for i, v := range warehouse.Values(r) {
		if i > 0 {
			w.WriteByte('\t')
		}
		w.WriteString(tsvValue(v))
	}
	t.rows[table]++
	return w.WriteByte('\n')
}

func (t *tsvFiles) close() error {
	for table, w := range t.w {
		if err := w.Flush(); err != nil {
			return err
		}
		if err := t.files[table].Close(); err != nil {
			return err
		}
	}
	return nil
}

// tsvValue renders a row value as TabSeparated does ("Formats":
// TabSeparated escapes \t, \n and \\; NULL is \N; arrays are ['a','b']).
func tsvValue(v any) string {
	switch x := v.(type) {
	case string:
		return tsvEscape(x)
	case time.Time:
		return x.UTC().Format(time.DateTime)
	case *time.Time:
		if x == nil {
			return `\N`
		}
		return x.UTC().Format(time.DateTime)
	case *float64:
		if x == nil {
			return `\N`
		}
		return tsvValue(*x)
	case float64:
		if math.IsNaN(x) {
			return "nan"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
		}
		return tsvEscape("[" + strings.Join(q, ",") + "]")
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	}
	panic(fmt.Sprintf("bench: no TabSeparated form for %T", v))
}

func tsvEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`).Replace(s)
}

// clientIngest has clickhouse-client insert each table's file into
// <db>_client on the server of dsn and returns the time each took.
func clientIngest(ctx context.Context, dsn string, t *tsvFiles) (map[string]time.Duration, error) {
	bin, err := exec.LookPath("clickhouse-client")
	if err != nil {
		return nil, fmt.Errorf("the ingest ratio needs clickhouse-client (Debian package clickhouse-client): %w", err)
	}
	d, err := warehouse.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	copyDB := d.Database() + "_client"
	u.Path = "/" + copyDB
	db, err := warehouse.Open(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", copyDB, err)
	}
	defer db.Close()
	if _, err := warehouse.Migrate(ctx, db, nil); err != nil {
		return nil, err
	}
	port := u.Port()
	if port == "" {
		port = "9000"
	}
	pass, _ := u.User.Password()
	took := map[string]time.Duration{}
	for table, cols := range t.cols {
		f, err := os.Open(filepath.Join(t.dir, table+".tsv"))
		if err != nil {
			return nil, err
		}
		args := []string{"--host", u.Hostname(), "--port", port, "--database", copyDB,
			"--query", "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") FORMAT TabSeparated"}
		if name := u.User.Username(); name != "" {
			args = append(args, "--user", name)
		}
		if pass != "" {
			args = append(args, "--password", pass)
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdin = f
		start := time.Now() // elapsed time only
		out, err := cmd.CombinedOutput()
		took[table] = time.Since(start)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("clickhouse-client into %s.%s: %v: %s", copyDB, table, err, strings.TrimSpace(string(out)))
		}
	}
	return took, nil
}
