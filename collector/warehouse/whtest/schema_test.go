package whtest_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runway-analytics/runway/collector/warehouse"
	"github.com/runway-analytics/runway/collector/warehouse/whtest"
)

// TestSchemaEveryTable: migrations from empty and again, then one row of
// every table written, written again, and read back exactly through FINAL,
// on both backends.
func TestSchemaEveryTable(t *testing.T) {
	whtest.ForEach(t, func(t *testing.T, db warehouse.DB) {
		ctx := context.Background()
		applied, err := warehouse.Migrate(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != len(warehouse.Migrations) {
			t.Fatalf("first migrate applied %d of %d", len(applied), len(warehouse.Migrations))
		}
		again, err := warehouse.Migrate(ctx, db, nil)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
		}
		if v, err := warehouse.SchemaVersion(ctx, db); err != nil || v != int64(len(warehouse.Migrations)) {
			t.Fatalf("schema version %d, %v", v, err)
		}

		for _, zero := range warehouse.AllRows() {
			table := zero.Table()
			t.Run(table, func(t *testing.T) {
				row := sample(t, zero)
				mixed := []warehouse.Row{row}
				for range 2 { // the second write is a re-collection: FINAL keeps one row
					if err := warehouse.InsertMixed(ctx, db, mixed); err != nil {
						t.Fatal(err)
					}
				}
				cols := warehouse.Columns(row)
				rows, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM {db}.%s FINAL", strings.Join(cols, ", "), table))
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				n := 0
				for rows.Next() {
					n++
					got := reflect.New(reflect.TypeOf(row)).Elem()
					dest := make([]any, 0, len(cols))
					for i := range got.NumField() {
						if got.Type().Field(i).Tag.Get("ch") != "" {
							dest = append(dest, got.Field(i).Addr().Interface())
						}
					}
					if err := rows.Scan(dest...); err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got.Interface(), row) {
						t.Errorf("read back\n%+v\nwant\n%+v", got.Interface(), row)
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if n != 1 {
					t.Errorf("%d rows through FINAL after writing the same row twice, want 1", n)
				}
			})
		}
	})
}

// sample fills every column of a row type with a distinct, awkward value.
func sample(t *testing.T, zero warehouse.Row) warehouse.Row {
	t.Helper()
	v := reflect.New(reflect.TypeOf(zero)).Elem()
	at := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Tag.Get("ch")
		switch p := f.Addr().Interface().(type) {
		case *string:
			*p = name + ` it's a "test" \ ü ✓`
		case *int64:
			*p = -int64(i) - 40
		case *uint64:
			*p = uint64(1<<62) + uint64(i)
		case *uint8:
			*p = 1
		case *float64:
			*p = 2.5 + float64(i)
		case *time.Time:
			*p = at.Add(time.Duration(i) * time.Hour)
		case **time.Time:
			x := at.Add(-time.Duration(i) * time.Minute)
			*p = &x
		case **float64:
			x := 0.125 * float64(i)
			*p = &x
		case *[]string:
			*p = []string{name, "b'c", ""}
		case *[]int64:
			*p = []int64{int64(i), -1}
		default:
			t.Fatalf("%T.%s: no sample for %s", zero, name, f.Type())
		}
	}
	return v.Interface().(warehouse.Row)
}
