package mapping

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
)

// setNextKeys are keys that take every branch of setNext and setNextSlow:
// clean keys in and out of order, keys that need a fix ("$", reserved,
// too long, "." or "$" when nested) and collide with the clean key they
// become, duplicates, and enough distinct keys for the index map.
func setNextKeys() []string {
	long := strings.Repeat("k", maxLen)
	keys := []string{
		"", "$", "$$", "a", "$a", "b", "$b", "time", "time_", "$time", "event_name", "event_name_",
		"a.b", "a_b", "$a.b", "x$y", "x_y", long, long + "x", long + "y", strings.Repeat("é", maxLen),
		strings.Repeat("é", maxLen) + "é", "Z", "zz", "m", "M",
	}
	for i := range 20 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	return keys
}

// TestSetNextMatchesSlow holds setNext (its fast path for clean keys) to
// setNextSlow, which applies every rule: for random key sequences, in
// every kind of list, both leave the same entries, key fixes, order flags
// and diagnostics.
func TestSetNextMatchesSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	keys := setNextKeys()
	type outcome struct {
		Out         braze.Properties
		Fixes       []keyFix
		Diagnostics []Diagnostic
		Unsorted    bool
		SortedLen   int
	}
	run := func(t *testing.T, slow bool, nested, attr, speculative bool, seq []string) outcome {
		st := testState(t)
		p := st.newProps(rng.IntN(4))
		p.nested, p.attr, p.speculative = nested, attr, speculative
		for i, orig := range seq {
			key := orig
			if !nested && rng.IntN(2) == 0 {
				key = stripDollar(orig) // as addCustom passes them
			}
			*p.next() = braze.Int(int64(i))
			if slow {
				p.setNextSlow(orig, key)
			} else {
				p.setNext(orig, key)
			}
		}
		return outcome{
			Out: slices.Clone(p.out), Fixes: slices.Clone(st.sc.fixes[p.fixStart:]),
			Diagnostics: st.res.Diagnostics, Unsorted: p.unsorted, SortedLen: p.sortedLen,
		}
	}
	for iter := range 3000 {
		n := rng.IntN(30)
		seq := make([]string, n)
		for i := range seq {
			seq[i] = keys[rng.IntN(len(keys))]
		}
		if rng.IntN(3) == 0 {
			slices.Sort(seq) // sorted runs take the no-look path
		}
		nested, attr, speculative := rng.IntN(4) == 0, rng.IntN(3) == 0, rng.IntN(4) == 0
		// Both runs draw the same stripDollar choices.
		seed := rng.Uint64()
		rng = rand.New(rand.NewPCG(seed, 1))
		want := run(t, true, nested, attr, speculative, seq)
		rng = rand.New(rand.NewPCG(seed, 1))
		got := run(t, false, nested, attr, speculative, seq)
		require.Equal(t, want, got, "iteration %d: nested %v attr %v speculative %v keys %q", iter, nested, attr, speculative, seq)
	}
}

// TestNextGivesZeroRoomPastTheEnd checks next (inlined, with grow for the
// first list and for growth): for every kind of list and any hint, the
// value it returns is the zero entry just past the list's end, and the
// entries before it are kept as the list grows.
func TestNextGivesZeroRoomPastTheEnd(t *testing.T) {
	for _, scratch := range []bool{false, true} {
		for _, reuse := range []bool{false, true} {
			for hint := range 4 {
				st := testState(t)
				st.reuse = reuse
				p := st.newProps(hint)
				p.scratch = scratch
				for i := range 40 {
					v := p.next()
					require.Equal(t, braze.Value{}, *v, "entry %d not zero", i)
					require.Same(t, &p.out[:len(p.out)+1][len(p.out)].Value, v, "entry %d is not the one past the end", i)
					*v = braze.Int(int64(i))
					p.setNext(fmt.Sprintf("k%02d", i), fmt.Sprintf("k%02d", i))
				}
				require.Len(t, p.out, 40)
				for i, e := range p.out {
					require.Equal(t, fmt.Sprintf("k%02d", i), e.Key)
					require.Equal(t, braze.Int(int64(i)), e.Value)
				}
			}
		}
	}
}

// TestCustomKey: customKey strips what stripDollar strips, and reports a
// strip exactly when the key it returns differs from the one it got (what
// setNext compared the strings for).
func TestCustomKey(t *testing.T) {
	for _, k := range []string{"", "$", "$$", "$$a", "a", "$a", "a$", "$a$", "é", "$é", " $a"} {
		key, stripped := customKey(k)
		require.Equal(t, stripDollar(k), key, "%q", k)
		require.Equal(t, key != k, stripped, "%q", k)
	}
}
