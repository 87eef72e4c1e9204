package warehouse

import (
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/ClickHouse/ch-go/proto"
)

// Column decoders of the Native types built around other columns:
// Nullable, Array, Tuple and LowCardinality.

// nullableColumn is a null map (1 = NULL) followed by the values, with
// defaults in the NULL rows.
type nullableColumn struct {
	nulls proto.ColUInt8
	inner nativeColumn
}

func (c *nullableColumn) prefix(r *nativeReader) error { return c.inner.prefix(r) }
func (c *nullableColumn) width() int                   { return 1 + c.inner.width() }
func (c *nullableColumn) decode(r *nativeReader, rows int) error {
	if err := c.nulls.DecodeColumn(r.Reader, rows); err != nil {
		return err
	}
	return decodeColumn(c.inner, r, rows)
}
func (c *nullableColumn) value(i int) any {
	if c.nulls[i] != 0 {
		return nil
	}
	return c.inner.value(i)
}
func (c *nullableColumn) scan(i int, dest any) bool {
	s, ok := c.inner.(scanner)
	return ok && c.nulls[i] == 0 && s.scan(i, dest)
}

// arrayColumn is the end offset of each row's elements, then all elements.
// The offsets never decrease (each row's elements are [ends[i-1], ends[i])),
// and the last is the number of elements.
type arrayColumn struct {
	ends  proto.ColUInt64
	inner nativeColumn
}

func (c *arrayColumn) prefix(r *nativeReader) error { return c.inner.prefix(r) }
func (c *arrayColumn) width() int                   { return 8 }
func (c *arrayColumn) decode(r *nativeReader, rows int) error {
	if rows == 0 {
		return nil
	}
	if err := c.ends.DecodeColumn(r.Reader, rows); err != nil {
		return err
	}
	prev := uint64(0)
	for i, end := range c.ends {
		if end < prev {
			return fmt.Errorf("array offset %d of row %d is below the previous row's %d", end, i, prev)
		}
		prev = end
	}
	if prev > math.MaxInt32 {
		return fmt.Errorf("%d array elements in one block", prev)
	}
	return decodeColumn(c.inner, r, int(prev))
}
func (c *arrayColumn) bounds(i int) (lo, hi int) {
	if i > 0 {
		lo = int(c.ends[i-1])
	}
	return lo, int(c.ends[i])
}
func (c *arrayColumn) scan(i int, dest any) bool {
	d, ok := dest.(*[]string)
	s, isStr := c.inner.(*leaf[string])
	if !ok || !isStr || !s.direct {
		return false
	}
	lo, hi := c.bounds(i)
	out := make([]string, hi-lo)
	for j := range out {
		out[j] = s.col.Row(lo + j)
	}
	*d = out
	return true
}
func (c *arrayColumn) value(i int) any {
	lo, hi := c.bounds(i)
	out := make([]any, hi-lo)
	for j := range out {
		out[j] = c.inner.value(lo + j)
	}
	return out
}

// tupleColumn is each element's column in turn.
type tupleColumn []nativeColumn

func (c tupleColumn) prefix(r *nativeReader) error {
	for _, e := range c {
		if err := e.prefix(r); err != nil {
			return err
		}
	}
	return nil
}
func (c tupleColumn) width() int {
	w := 0
	for _, e := range c {
		w += e.width()
	}
	return w
}
func (c tupleColumn) decode(r *nativeReader, rows int) error {
	for _, e := range c {
		if err := decodeColumn(e, r, rows); err != nil {
			return err
		}
	}
	return nil
}
func (c tupleColumn) value(i int) any {
	out := make([]any, len(c))
	for j, e := range c {
		out[j] = e.value(i)
	}
	return out
}

// lowCardinalityColumn is a dictionary of distinct values and a key per
// row into it. The prefix names the layout version; the data is one
// "granule": flags (key width), the dictionary, then the keys. Every key
// is within the dictionary, whose values are converted once (rows share
// them: a long string in many rows is not copied for each).
type lowCardinalityColumn struct {
	dict     nativeColumn       // a leaf
	nullable bool               // key 0 stands for NULL
	key      func(i int) uint64 // row i's key
	values   []any              // the dictionary's neutral values
}

// The flags of a LowCardinality granule (ClickHouse's
// SerializationLowCardinality).
const (
	lcSharedDictionariesWithAdditionalKeys = 1
	lcKeyWidthMask                         = 0xff
	lcNeedGlobalDictionary                 = 1 << 8
	lcHasAdditionalKeys                    = 1 << 9
)

func (c *lowCardinalityColumn) width() int { return 1 } // a key, at least

func (c *lowCardinalityColumn) prefix(r *nativeReader) error {
	v, err := r.Int64()
	if err != nil {
		return err
	}
	if v != lcSharedDictionariesWithAdditionalKeys {
		return fmt.Errorf("LowCardinality layout version %d", v)
	}
	return c.dict.prefix(r)
}

func (c *lowCardinalityColumn) decode(r *nativeReader, rows int) error {
	if rows == 0 {
		return nil // no granule
	}
	flags, err := r.Int64()
	if err != nil {
		return err
	}
	if flags&lcNeedGlobalDictionary != 0 || flags&lcHasAdditionalKeys == 0 {
		return errors.New("LowCardinality with a global dictionary")
	}
	n, err := r.Int64()
	if err != nil {
		return err
	}
	if n < 0 || n > math.MaxInt32 {
		return fmt.Errorf("LowCardinality dictionary of %d values", n)
	}
	if err := decodeColumn(c.dict, r, int(n)); err != nil {
		return err
	}
	nkeys, err := r.Int64()
	if err != nil {
		return err
	}
	if nkeys != int64(rows) {
		return fmt.Errorf("LowCardinality granule of %d rows in a block of %d", nkeys, rows)
	}
	switch flags & lcKeyWidthMask {
	case 0:
		c.key, err = decodeKeys[uint8](r, new(proto.ColUInt8), rows, n)
	case 1:
		c.key, err = decodeKeys[uint16](r, new(proto.ColUInt16), rows, n)
	case 2:
		c.key, err = decodeKeys[uint32](r, new(proto.ColUInt32), rows, n)
	case 3:
		c.key, err = decodeKeys[uint64](r, new(proto.ColUInt64), rows, n)
	default:
		err = fmt.Errorf("LowCardinality key width %d", flags&lcKeyWidthMask)
	}
	if err != nil {
		return err
	}
	c.values = make([]any, n)
	for i := range c.values {
		c.values[i] = c.dict.value(i)
	}
	return nil
}

// decodeKeys reads rows keys of one width, each below the dictionary's
// size n.
func decodeKeys[T uint8 | uint16 | uint32 | uint64](r *nativeReader, col proto.ColumnOf[T], rows int, n int64) (func(int) uint64, error) {
	if err := r.fits(rows, int(reflect.TypeFor[T]().Size())); err != nil {
		return nil, err
	}
	if err := col.DecodeColumn(r.Reader, rows); err != nil {
		return nil, err
	}
	for i := range rows {
		if k := uint64(col.Row(i)); k >= uint64(n) {
			return nil, fmt.Errorf("LowCardinality key %d of row %d is outside its dictionary of %d values", k, i, n)
		}
	}
	return func(i int) uint64 { return uint64(col.Row(i)) }, nil
}

func (c *lowCardinalityColumn) value(i int) any {
	k := c.key(i)
	if c.nullable && k == 0 {
		return nil
	}
	return c.values[k]
}
