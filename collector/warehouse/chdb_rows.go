package warehouse

import "fmt"

// nativeRows iterates a decoded Native result (chdb_native.go).
type nativeRows struct {
	names  []string
	blocks []nativeBlock
	block  int  // the current block
	row    int  // the current row within it; -1 before its first
	ok     bool // the last Next found a row
}

func newNativeRows(data []byte) (*nativeRows, error) {
	names, blocks, err := decodeNative(data)
	if err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	return &nativeRows{names: names, blocks: blocks, row: -1}, nil
}

// Columns names the result's columns; a result without rows has none.
func (r *nativeRows) Columns() []string { return r.names }

// Err is always nil: the result was decoded whole by Query.
func (r *nativeRows) Err() error { return nil }

func (r *nativeRows) Close() error {
	r.blocks, r.ok = nil, false
	return nil
}

func (r *nativeRows) Next() bool {
	for r.block < len(r.blocks) {
		if r.row++; r.row < r.blocks[r.block].rows {
			r.ok = true
			return true
		}
		r.block, r.row = r.block+1, -1
	}
	r.ok = false
	return false
}

func (r *nativeRows) Scan(dest ...any) error {
	if !r.ok {
		return fmt.Errorf("%w: Scan called without a successful Next", ErrScan)
	}
	cols := r.blocks[r.block].cols
	if len(dest) != len(cols) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(cols))
	}
	for i, d := range dest {
		if s, ok := cols[i].(scanner); ok && s.scan(r.row, d) {
			continue
		}
		if err := Assign(d, cols[i].value(r.row)); err != nil {
			return fmt.Errorf("column %s: %w", r.names[i], err)
		}
	}
	return nil
}
