package mparticle

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// intFast takes integers of up to 19 digits; the edges of int64 and the
// literals it hands to the general path must decode as before.
func TestDecodeInt64Edges(t *testing.T) {
	for lit, want := range map[string]int64{
		"9223372036854775807":  9223372036854775807,
		"-9223372036854775808": -9223372036854775808,
		"1000000000000000000":  1000000000000000000,
		"-1000000000000000000": -1000000000000000000,
		"0":                    0,
		"-0":                   0,
		"1e3":                  1000,
		"12.0":                 12,
		"1234567890123456789":  1234567890123456789,
		// Exact, not through float64 (which rounds these).
		"9007199254740993.0":      9007199254740993,
		"9.007199254740993e15":    9007199254740993,
		"-9223372036854775808.0":  -9223372036854775808,
		"922337203685477580.7e1":  9223372036854775807,
		"0.00001e20":              1000000000000000,
		"12.50e1":                 125,
		"0e999999999999999999999": 0,
		"-0.0e-5":                 0,
		"1000e-3":                 1,
	} {
		b, err := DecodeBatch([]byte(`{"batch_id":` + lit + `}`))
		require.NoError(t, err, lit)
		assert.Equal(t, want, b.BatchID, lit)
	}
	for lit, reason := range map[string]string{
		"9223372036854775808":    "number 9223372036854775808 is not an int64",
		"-9223372036854775809":   "number -9223372036854775809 is not an int64",
		"99999999999999999999":   "number 99999999999999999999 is not an int64",
		"12.5":                   "number 12.5 is not an int64",
		"-":                      "invalid number",
		"01":                     "expected ',' or '}' in object, got number",
		"10000000000000000000":   "number 10000000000000000000 is not an int64",
		"-10000000000000000000":  "number -10000000000000000000 is not an int64",
		"9223372036854775807.5":  "number 9223372036854775807.5 is not an int64",
		"9223372036854775808.0":  "number 9223372036854775808.0 is not an int64",
		"1e19":                   "number 1e19 is not an int64",
		"1e-1":                   "number 1e-1 is not an int64",
		"1e99999999999999999999": "number 1e99999999999999999999 is not an int64",
		"1.5":                    "number 1.5 is not an int64",
	} {
		_, err := DecodeBatch([]byte(`{"batch_id":` + lit + `}`))
		var de *DecodeError
		require.ErrorAs(t, err, &de, lit)
		assert.Equal(t, reason, de.Reason, lit)
	}
}

// exactInt agrees with exact rational arithmetic on random literals near
// the edges: short and 19-20 digit mantissas, fractions, exponents.
func TestExactIntMatchesRational(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		if n > 0 && rng.IntN(3) == 0 {
			b[n-1] = '0'
		}
		return string(b)
	}
	for k := 0; k < 50000; k++ {
		lit := ""
		if rng.IntN(2) == 0 {
			lit = "-"
		}
		ip := digits(1 + rng.IntN(20))
		if len(ip) > 1 && ip[0] == '0' {
			ip = "1" + ip[1:]
		}
		lit += ip
		if rng.IntN(2) == 0 {
			lit += "." + digits(1+rng.IntN(6))
		}
		if rng.IntN(2) == 0 {
			lit += []string{"e", "E", "e+", "e-"}[rng.IntN(4)] + strconv.Itoa(rng.IntN(25))
		}
		require.True(t, isJSONNumber([]byte(lit)), lit)
		got, ok := exactInt([]byte(lit))
		r, _ := new(big.Rat).SetString(lit)
		wantOK := r.IsInt() && r.Num().IsInt64()
		require.Equal(t, wantOK, ok, lit)
		if ok {
			require.Equal(t, r.Num().Int64(), got, lit)
		}
	}
}
