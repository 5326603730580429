package mapping

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPutStateKeepsOnlyClearedScratch maps every golden batch with a
// state and hands the state back: all of it but its scratch is zero
// then, and every scratch slice it keeps is empty and, where its entries
// can hold pointers, zero up to its capacity (it holds on to nothing of
// the batch or the result).
func TestPutStateKeepsOnlyClearedScratch(t *testing.T) {
	for _, c := range loadGoldenCases(t) {
		for _, reuse := range []bool{false, true} {
			st := c.m.getState(c.b)
			st.reuse = reuse
			st.run()
			st.parkEmpty()
			c.m.putState(st)
			require.True(t, reflect.ValueOf(st.mapCall).IsZero(), "%s: call state not zeroed: %+v", c.name, st.mapCall)
			requireClearedScratch(t, c.name+": scratch", reflect.ValueOf(st.sc))
		}
	}
}

// requireClearedScratch checks the slices in the struct v: each is empty,
// and, unless its entries are plain integers (which reach nothing), zero
// up to its capacity; a slice of slices (the free lists) holds only such
// slices.
func requireClearedScratch(t *testing.T, msg string, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f, name := v.Field(i), msg+"."+v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Struct:
			requireClearedScratch(t, name, f)
			continue
		case reflect.Slice:
		default:
			continue
		}
		full := f.Slice(0, f.Cap())
		if f.Type().Elem().Kind() == reflect.Slice { // free lists: kept lists, each empty and cleared
			for k := range f.Len() {
				l := f.Index(k)
				require.Zero(t, l.Len(), "%s[%d] kept entries", name, k)
				l = l.Slice(0, l.Cap())
				for j := range l.Len() {
					require.True(t, l.Index(j).IsZero(), "%s[%d] entry %d not cleared", name, k, j)
				}
			}
			for k := f.Len(); k < full.Len(); k++ {
				require.True(t, full.Index(k).IsZero(), "%s: room %d not cleared", name, k)
			}
			continue
		}
		require.Zero(t, f.Len(), "%s kept entries", name)
		switch f.Type().Elem().Kind() {
		case reflect.Int, reflect.Int64:
			continue // plain integers reach nothing
		}
		for k := range full.Len() {
			require.True(t, full.Index(k).IsZero(), "%s entry %d not cleared", name, k)
		}
	}
}
