package warehouse

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Migrate applies every migration not yet recorded in {db}.schema_migrations,
// in order, and returns the versions it applied. Re-running it applies
// nothing. Statements are CREATE ... IF NOT EXISTS (or otherwise idempotent),
// so a migration whose record was lost to a crash is simply run again.
func Migrate(ctx context.Context, db DB, log *slog.Logger) ([]int64, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Migration 1 creates the ledger itself; it is idempotent, so run it
	// unconditionally before reading the ledger.
	if err := apply(ctx, db, Migrations[0]); err != nil {
		return nil, err
	}
	done, err := appliedVersions(ctx, db)
	if err != nil {
		return nil, err
	}
	var applied []int64
	for _, m := range Migrations {
		if done[m.Version] {
			continue
		}
		if m.Version != 1 {
			if err := apply(ctx, db, m); err != nil {
				return applied, err
			}
		}
		row := []any{m.Version, m.Name, time.Now().UTC()}
		if err := db.Insert(ctx, "schema_migrations", []string{"version", "name", "applied_at"}, [][]any{row}); err != nil {
			return applied, fmt.Errorf("recording migration %d (%s): %w", m.Version, m.Name, err)
		}
		log.Info("applied migration", "version", m.Version, "name", m.Name, "backend", db.Backend(), "database", db.Database(),
			"cluster", db.Cluster())
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// apply runs m's statements for db's cluster (or single node), skipping
// a column that is already there: a migration whose record was lost, or
// that failed half-way on a cluster, runs again cleanly.
func apply(ctx context.Context, db DB, m Migration) error {
	steps, err := m.Render(db.Cluster())
	if err != nil {
		return err
	}
	for _, s := range steps {
		if s.Column != "" {
			has, err := hasColumn(ctx, db, s.Table, s.Column)
			if err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			if has {
				continue
			}
		}
		if err := db.Exec(ctx, s.SQL); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// hasColumn reports whether db's table has column (on the node connected to).
func hasColumn(ctx context.Context, db DB, table, column string) (bool, error) {
	rows, err := db.Query(ctx, "SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?",
		db.Database(), table, column)
	if err != nil {
		return false, fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	defer rows.Close()
	var n uint64
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, fmt.Errorf("reading the columns of %s: %w", table, err)
		}
	}
	return n > 0, rows.Err()
}

// SchemaVersion returns the highest applied migration, 0 for an empty store.
func SchemaVersion(ctx context.Context, db DB) (int64, error) {
	done, err := appliedVersions(ctx, db)
	if err != nil {
		return 0, err
	}
	var v int64
	for k := range done {
		v = max(v, k)
	}
	return v, nil
}

func appliedVersions(ctx context.Context, db DB) (map[int64]bool, error) {
	rows, err := db.Query(ctx, "SELECT DISTINCT version FROM {db}.schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("reading applied migrations: %w", err)
	}
	defer rows.Close()
	done := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("reading applied migrations: %w", err)
		}
		done[v] = true
	}
	return done, rows.Err()
}
