package mapping

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/mpbraze/mpbraze/mparticle"
)

// FuzzMapInto maps a sequence of batches (first, second, first again) into
// one reused Result, and requires each result to be deep-equal to a fresh
// Map of the same batch: nothing of an earlier batch may survive into a
// later one. A Map result taken before stays unchanged throughout.
func FuzzMapInto(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzMapInto, pairs of golden batches, a big
	// one before a small one and the other way round.
	f.Fuzz(func(t *testing.T, first, second []byte, flags uint16) {
		var batches []*mparticle.Batch
		for _, data := range [][]byte{first, second} {
			if b, err := mparticle.DecodeBatch(data); err == nil {
				batches = append(batches, b)
			}
		}
		if len(batches) == 0 {
			return
		}
		m, err := New(fuzzSettings(flags))
		if err != nil {
			t.Fatal(err)
		}
		kept := m.Map(batches[0])
		keptJSON, err := json.Marshal(kept)
		if err != nil {
			t.Fatal(err)
		}
		var r Result
		for _, b := range append(batches, batches...) {
			m.MapInto(&r, b)
			requireSameAsMap(t, m, b, &r, "MapInto")
		}
		if got, _ := json.Marshal(kept); string(got) != string(keptJSON) {
			t.Fatalf("a Map result changed while another Result was reused:\n got %s\nwant %s", got, keptJSON)
		}
		if again := m.Map(batches[0]); !reflect.DeepEqual(again, kept) {
			t.Fatalf("Map after MapInto differs from Map before it")
		}
	})
}
