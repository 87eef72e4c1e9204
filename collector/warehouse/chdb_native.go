package warehouse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ClickHouse/ch-go/proto"
)

// Query results of the embedded backend arrive in ClickHouse's Native
// format: a sequence of blocks, each a column count, a row count, then per
// column its name, its type and its values in the engine's own binary
// layout (the layout of the native protocol, which ch-go's proto package
// decodes). A result without rows is empty: no block, so no column names.

// nativeBlock is one decoded block.
type nativeBlock struct {
	rows int
	cols []nativeColumn
}

// A corrupt result (the engine's, or its memory overwritten) must never
// make the decoder allocate what a count or a length in it claims, nor
// index outside what it decoded: every count is checked against the bytes
// left before anything is sized by it (nativeReader.fits), every string
// length against them too (decodeStrings), array offsets must grow and
// LowCardinality keys stay within their dictionary. So decoding allocates
// in proportion to the result's size, and a corrupt one is an error.

// nativeReader reads a result: ch-go's Reader for the column decoders,
// over a buffered reader of the result's bytes that it shares, so that the
// bytes left are known exactly.
type nativeReader struct {
	*proto.Reader
	buf *bufio.Reader
	src *bytes.Reader
}

// nativeBufferSize is the buffer of the reader: ch-go's Reader buffers
// with this size, and takes a bufio.Reader at least as large as it is
// instead of wrapping it in another (which would read ahead unseen).
const nativeBufferSize = 128 << 10

func newNativeReader(data []byte) *nativeReader {
	src := bytes.NewReader(data)
	buf := bufio.NewReaderSize(src, nativeBufferSize)
	return &nativeReader{Reader: proto.NewReader(buf), buf: buf, src: src}
}

// left is how many bytes of the result are still to be read.
func (r *nativeReader) left() int { return r.buf.Buffered() + r.src.Len() }

// fits checks that n values of at least size bytes each can be in what is
// left of the result, before anything is sized by n.
func (r *nativeReader) fits(n, size int) error {
	size = max(size, 1)
	if n < 0 || n > r.left()/size {
		return fmt.Errorf("%d values of %d bytes or more in the %d bytes left of the result", n, size, r.left())
	}
	return nil
}

// decodeNative decodes a whole Native result. data may be C memory: every
// value is copied out of it.
func decodeNative(data []byte) (names []string, blocks []nativeBlock, err error) {
	r := newNativeReader(data)
	var types []string
	for len(data) > 0 {
		ncols, err := r.UVarInt()
		if errors.Is(err, io.EOF) && blocks != nil {
			break // the end, at a block boundary
		}
		if err != nil {
			return nil, nil, fmt.Errorf("block %d: %w", len(blocks), err)
		}
		nrows, err := r.UVarInt()
		if err != nil {
			return nil, nil, fmt.Errorf("block %d: %w", len(blocks), err)
		}
		// A column takes at least two bytes (the lengths of its name and
		// type) and a row at least a byte of each column; a block without
		// columns has no rows (no query selects nothing).
		if ncols > uint64(len(data)) || nrows > uint64(len(data)) || (ncols == 0 && nrows > 0) {
			return nil, nil, fmt.Errorf("block %d: %d columns of %d rows cannot fit in a result of %d bytes",
				len(blocks), ncols, nrows, len(data))
		}
		if blocks == nil {
			names, types = make([]string, ncols), make([]string, ncols)
		} else if int(ncols) != len(names) {
			return nil, nil, fmt.Errorf("block %d has %d columns, the first %d", len(blocks), ncols, len(names))
		}
		b := nativeBlock{rows: int(nrows), cols: make([]nativeColumn, ncols)}
		for i := range b.cols {
			name, err := boundedStr(r)
			if err != nil {
				return nil, nil, fmt.Errorf("column %d name: %w", i, err)
			}
			typ, err := boundedStr(r)
			if err != nil {
				return nil, nil, fmt.Errorf("column %s type: %w", name, err)
			}
			if blocks == nil {
				names[i], types[i] = name, typ
			} else if name != names[i] || typ != types[i] {
				return nil, nil, fmt.Errorf("block %d column %d is %s %s, the first's %s %s", len(blocks), i, name, typ, names[i], types[i])
			}
			if b.cols[i], err = newNativeColumn(typ); err != nil {
				return nil, nil, fmt.Errorf("column %s: %w", name, err)
			}
			if b.rows == 0 {
				continue // no rows: no data, not even the prefix
			}
			if err := b.cols[i].prefix(r); err != nil {
				return nil, nil, fmt.Errorf("column %s (%s): %w", name, typ, err)
			}
			if err := decodeColumn(b.cols[i], r, b.rows); err != nil {
				return nil, nil, fmt.Errorf("column %s (%s): %w", name, typ, err)
			}
		}
		blocks = append(blocks, b)
	}
	return names, blocks, nil
}

// newNativeColumn returns the decoder of a column of ClickHouse type typ.
// The neutral values (see Assign) are: String, FixedString, Enum, UUID, IP
// and 128/256-bit integers as string; smaller integers as int64 but UInt64
// as uint64; floats and decimals as float64; Bool as bool; DateTime, Date and
// DateTime64 as time.Time in UTC; NULL as nil; Array and Tuple as []any.
func newNativeColumn(typ string) (nativeColumn, error) {
	name, args := splitType(typ)
	switch name {
	case "Nullable":
		if len(args) == 1 {
			inner, err := newNativeColumn(args[0])
			return &nullableColumn{inner: inner}, err
		}
	case "Array":
		if len(args) == 1 {
			inner, err := newNativeColumn(args[0])
			return &arrayColumn{inner: inner}, err
		}
	case "Tuple":
		if len(args) == 0 {
			break // a tuple of nothing takes no bytes: its rows would be unbounded
		}
		t := make(tupleColumn, len(args))
		for i, a := range args {
			var err error
			// A named element ("name Type") keeps only its type.
			if t[i], err = newNativeColumn(tupleElementType(a)); err != nil {
				return nil, err
			}
		}
		return t, nil
	case "LowCardinality":
		if len(args) == 1 {
			inner, nullable := args[0], false
			if n, a := splitType(inner); n == "Nullable" && len(a) == 1 {
				inner, nullable = a[0], true // the dictionary holds no NULL: key 0 is NULL
			}
			// The engine keeps dictionaries of plain values only (strings,
			// numbers, dates).
			if dict := newLeafColumn(splitType(inner)); dict != nil {
				return &lowCardinalityColumn{dict: dict, nullable: nullable}, nil
			}
		}
	case "SimpleAggregateFunction":
		if len(args) > 1 {
			return newNativeColumn(args[len(args)-1])
		}
	}
	if c := newLeafColumn(name, args); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("unsupported result type %s", typ)
}

// tupleElementType is the type of a Tuple element written "name Type" or
// "Type": no type name has a space before its arguments.
func tupleElementType(s string) string {
	if i := strings.IndexAny(s, " ("); i > 0 && s[i] == ' ' {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// splitType splits "Name(a, b)" into Name and its top-level arguments.
func splitType(s string) (string, []string) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s), nil
	}
	name, inner := strings.TrimSpace(s[:open]), s[open+1:len(s)-1]
	var args []string
	depth, start := 0, 0
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; c {
		case '\'':
			end, _ := skipQuoted(inner, i)
			i = end - 1
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(inner[start:i]))
				start = i + 1
			}
		}
	}
	return name, append(args, strings.TrimSpace(inner[start:]))
}

// strLen reads the length of a string, which cannot exceed the bytes left
// of the result (ch-go's strings allocate whatever length a corrupt prefix
// claims).
func strLen(r *nativeReader) (int, error) {
	n, err := binary.ReadUvarint(r.buf)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, fmt.Errorf("string length: %w", err)
	}
	if left := r.left(); n > uint64(left) {
		return 0, fmt.Errorf("a string of %d bytes in the %d bytes left of the result", n, left)
	}
	return int(n), nil
}

// boundedStr reads a string of at most the bytes left of the result.
func boundedStr(r *nativeReader) (string, error) {
	n, err := strLen(r)
	if err != nil {
		return "", err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.buf, b); err != nil {
		return "", err
	}
	return string(b), nil
}
