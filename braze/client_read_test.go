package braze

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestReadAtMostMatchesReadAll checks readAtMost against what it replaces,
// io.ReadAll(io.LimitReader(r, limit)), over random sizes, limits, starting
// buffers and readers that return short reads, data with io.EOF, or an
// error after some data: same bytes, same error.
func TestReadAtMostMatchesReadAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	errBroken := errors.New("connection reset")
	for range 3000 {
		data := make([]byte, rng.IntN(3000))
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		limit := 1 + rng.IntN(3500)
		kind := rng.IntN(5)
		reader := func() io.Reader {
			var r io.Reader = bytes.NewReader(data)
			switch kind {
			case 1:
				r = iotest.OneByteReader(r)
			case 2:
				r = iotest.HalfReader(r)
			case 3:
				r = iotest.DataErrReader(r)
			case 4:
				r = io.MultiReader(iotest.HalfReader(r), iotest.ErrReader(errBroken))
			}
			return r
		}
		want, wantErr := io.ReadAll(io.LimitReader(reader(), int64(limit)))
		buf := make([]byte, 0, []int{0, 1, 512, 4096}[rng.IntN(4)]+rng.IntN(3))
		got, err := readAtMost(reader(), buf, limit)
		require.Equal(t, wantErr, err, "size %d limit %d reader %d", len(data), limit, kind)
		require.Equal(t, want, got, "size %d limit %d reader %d", len(data), limit, kind)
	}
}
