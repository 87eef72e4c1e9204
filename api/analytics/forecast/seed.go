package forecast

import "hash/fnv"

// Seed derives a milestone's Monte Carlo seed: FNV-1a 64 of source, a NUL
// byte and id. Stable across processes and releases, so a milestone's
// forecast does not change between requests unless its history does; the
// NUL keeps ("ab", "c") and ("a", "bc") apart.
func Seed(source, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return h.Sum64()
}
