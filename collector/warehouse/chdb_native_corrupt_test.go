package warehouse

import (
	"strings"
	"testing"
)

// TestDecodeNativeCorruptCounts: a result whose block header claims more
// columns, rows or name bytes than it holds is an error, not an
// allocation of what it claims (inputs a fuzzer found crashing the
// process with out-of-memory). Column data with a corrupt string length
// still reaches ch-go's decoder, which allocates what it claims: not yet
// guarded (issue 14's fuzzing).
func TestDecodeNativeCorruptCounts(t *testing.T) {
	for _, c := range []struct {
		name string
		data string
		want string
	}{
		{"columns and rows", "\x96\x96\x96\x96\x96\x10a", "cannot fit"},
		{"name length", "\x01\x01\xaf\xff\x83\x83\x83\x7f", "a string of"},
	} {
		_, _, err := decodeNative([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one saying %q", c.name, err, c.want)
		}
	}
}
