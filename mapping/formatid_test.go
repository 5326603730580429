package mapping

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestFormatID checks formatID against strconv.FormatInt, with and
// without a previous string, equal or not, and that an equal previous
// string is the one returned.
func TestFormatID(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 2000 {
		var n int64
		switch rng.IntN(4) {
		case 0:
			n = int64(rng.IntN(200)) - 100
		case 1:
			n = rng.Int64()
		case 2:
			n = -rng.Int64()
		default:
			n = []int64{math.MinInt64, math.MaxInt64, 0}[rng.IntN(3)]
		}
		want := strconv.FormatInt(n, 10)
		require.Equal(t, want, formatID(n, ""))
		require.Equal(t, want, formatID(n, want+"0"))
		require.Equal(t, want, formatID(n, strconv.FormatInt(n+1, 10)))
		prev := strings.Clone(want)
		got := formatID(n, prev)
		require.Equal(t, want, got)
		require.Same(t, unsafe.StringData(prev), unsafe.StringData(got), "%d: the equal previous string is returned", n)
	}
	// An equal previous string is returned, not a new one.
	prev := strconv.FormatInt(1234567890123, 10)
	if allocs := testing.AllocsPerRun(100, func() { _ = formatID(1234567890123, prev) }); allocs != 0 {
		t.Fatalf("formatID with an equal previous string allocated %v times", allocs)
	}
}
