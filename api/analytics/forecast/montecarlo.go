package forecast

import (
	"math/bits"
	"math/rand/v2"
	"time"
)

const (
	// DefaultTrials is the number of Monte Carlo trials (DESIGN.md §5).
	DefaultTrials = 10_000
	// MaxWeeks caps one trial (ten years): a trial that has not finished by
	// then counts as never finishing, so no input can make a trial run
	// away or produce a date centuries out.
	MaxWeeks = 520
)

// pcgStream is the second PCG seed word, fixed so that Seed alone decides
// the stream ("runway" in ASCII).
const pcgStream = 0x72756e776179

// Result is a completion forecast.
type Result struct {
	// P50 and P85 are asOf + P50Weeks*7d and asOf + P85Weeks*7d.
	P50, P85           time.Time
	P50Weeks, P85Weeks int
}

// Forecast runs the Monte Carlo of DESIGN.md §5: each of trials trials
// (DefaultTrials when <= 0) draws weekly samples uniformly with replacement
// and adds them until remaining issues are done; p50 and p85 are the
// nearest-rank percentiles of the trials' week counts (the ceil(p*n)-th
// smallest). remaining <= 0 gives asOf. ok is false (no forecast) when the
// samples are empty or all zero, or when the p85 trial hit MaxWeeks.
// Negative samples count as zero. The same seed gives the same answer.
func Forecast(remaining int, samples []int, asOf time.Time, seed uint64, trials int) (r Result, ok bool) {
	if remaining <= 0 {
		return Result{P50: asOf, P85: asOf}, true
	}
	draws, positive := clean(samples)
	if !positive {
		return Result{}, false
	}
	if trials <= 0 {
		trials = DefaultTrials
	}
	p50w, p85w, ok := simulate(remaining, draws, trials, rand.NewPCG(seed, pcgStream))
	if !ok {
		return Result{}, false
	}
	return Result{
		P50:      asOf.Add(time.Duration(p50w) * week),
		P85:      asOf.Add(time.Duration(p85w) * week),
		P50Weeks: p50w,
		P85Weeks: p85w,
	}, true
}

// clean copies samples with negatives as zero and says whether any is
// positive: all-zero throughput can never finish.
func clean(samples []int) ([]int, bool) {
	out := make([]int, len(samples))
	positive := false
	for i, s := range samples {
		if s > 0 {
			out[i], positive = s, true
		}
	}
	return out, positive
}

// simulate runs the trials into a histogram of week counts (bucket
// MaxWeeks+1 holds the capped ones) rather than sorting 10,000 ints.
func simulate(remaining int, draws []int, trials int, src *rand.PCG) (p50w, p85w int, ok bool) {
	var hist [MaxWeeks + 2]int
	d := newDrawer(draws, src)
	// Once this many trials are capped the p85 trial must be one of them:
	// stop early instead of running the rest to the cap.
	tooMany := trials - rank(85, trials) + 1
	capped := 0
	for range trials {
		w := d.trial(remaining)
		if w > MaxWeeks {
			if capped++; capped >= tooMany {
				return 0, 0, false
			}
		}
		hist[w]++
	}
	return percentiles(hist[:], trials)
}

// percentiles reads the nearest-rank p50 and p85 off a histogram of week
// counts whose last bucket holds capped trials.
func percentiles(hist []int, trials int) (p50w, p85w int, ok bool) {
	k50, k85 := rank(50, trials), rank(85, trials)
	seen := 0
	p50w = -1
	for w, n := range hist {
		seen += n
		if p50w < 0 && seen >= k50 {
			p50w = w
		}
		if seen >= k85 {
			if w == len(hist)-1 {
				return 0, 0, false
			}
			return p50w, w, true
		}
	}
	return 0, 0, false
}

// rank is the 1-based nearest rank of percentile pct among n values,
// ceil(pct*n/100), in integers so 85% of 10,000 is exactly 8,500.
func rank(pct, n int) int {
	k := (pct*n + 99) / 100
	return max(k, 1)
}

// drawer draws weekly samples uniformly with replacement, without bias.
// For a power-of-two count (the usual 8 weeks) it slices each 64-bit PCG
// output into log2(n)-bit indices, 21 draws per call; otherwise it uses
// Lemire's multiply-shift with rejection, one call per draw. Drawing from
// the PCG directly, not through rand.Rand, keeps the stream defined by PCG
// alone and the hot loop free of interface calls.
type drawer struct {
	draws     []int
	src       *rand.PCG
	n         uint64
	threshold uint64 // Lemire: reject products whose low word is below it
	shift     uint   // power of two: bits per index (0 for n == 1)
	pow2      bool
	pool      uint64 // power of two: random bits not used yet
	left      uint   // how many
}

func newDrawer(draws []int, src *rand.PCG) *drawer {
	n := uint64(len(draws))
	if n&(n-1) == 0 {
		return &drawer{draws: draws, src: src, n: n, shift: uint(bits.TrailingZeros64(n)), pow2: true}
	}
	return &drawer{draws: draws, src: src, n: n, threshold: -n % n}
}

// trial returns the weeks until remaining issues are done, or MaxWeeks+1
// when the cap is reached first. It counts down what is left rather than
// up to remaining, so no sample, however large, can overflow the sum. The
// state lives in locals for the loop: kept in the struct it would be
// stored and reloaded on every draw.
func (d *drawer) trial(remaining int) int {
	left, w := remaining, 0
	if d.pow2 {
		pool, bitsLeft, shift, mask := d.pool, d.left, d.shift, d.n-1
		for left > 0 && w < MaxWeeks {
			if bitsLeft < shift {
				pool, bitsLeft = d.src.Uint64(), 64
			}
			left -= d.draws[pool&mask]
			pool >>= shift
			bitsLeft -= shift
			w++
		}
		d.pool, d.left = pool, bitsLeft
	} else {
		for left > 0 && w < MaxWeeks {
			left -= d.draws[d.next()]
			w++
		}
	}
	if left > 0 {
		return MaxWeeks + 1
	}
	return w
}

// next draws one index; trial inlines the same steps for a power of two.
func (d *drawer) next() int {
	if d.pow2 {
		if d.left < d.shift {
			d.pool, d.left = d.src.Uint64(), 64
		}
		i := d.pool & (d.n - 1)
		d.pool >>= d.shift
		d.left -= d.shift
		return int(i)
	}
	hi, lo := bits.Mul64(d.src.Uint64(), d.n)
	for lo < d.threshold {
		hi, lo = bits.Mul64(d.src.Uint64(), d.n)
	}
	return int(hi)
}
