package perfreport

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Micro compares, in one goroutine and without HTTP, the typed path with
// the generic one on the same bytes.
type Micro struct {
	// Batches and Events are the input size (every batch of the pool,
	// repeated until Batches).
	Batches, Events int
	// Typed is mparticle.DecodeBatch → mapping.Mapper.Map → the
	// /users/track JSON (braze.TrackRequest.AppendJSON).
	Typed Sample
	// Generic is json.Unmarshal into map[string]any → json.Marshal.
	Generic Sample
	// GenericDecode is json.Unmarshal into map[string]any alone.
	GenericDecode Sample
}

// Ratio is Typed CPU ÷ Generic CPU (target ≤ 1.0).
func (m Micro) Ratio() float64 { return per(m.Typed.CPU.Seconds(), m.Generic.CPU.Seconds()) }

// PerEvent returns s's CPU time per event.
func (m Micro) PerEvent(s Sample) time.Duration {
	if m.Events == 0 {
		return 0
	}
	return s.CPU / time.Duration(m.Events)
}

// RunMicro measures typed decode+map+encode against generic decode+encode
// (and generic decode alone) over the first n batches of w.
func RunMicro(w *Workload, n int) (Micro, error) {
	m, err := mapping.New(MappingSettings())
	if err != nil {
		return Micro{}, err
	}
	pool := len(w.Batches)
	res := Micro{Batches: n, Events: w.Events(n)}
	var out []byte
	res.Typed, err = Measure(func() error {
		for i := range n {
			b, err := mparticle.DecodeBatch(w.Batches[i%pool])
			if err != nil {
				return err
			}
			req := m.Map(b).TrackRequest()
			if out, err = req.AppendJSON(out[:0]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("perfreport: typed: %w", err)
	}
	res.Generic, err = Measure(func() error {
		for i := range n {
			var v map[string]any
			if err := json.Unmarshal(w.Batches[i%pool], &v); err != nil {
				return err
			}
			if _, err := json.Marshal(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("perfreport: generic: %w", err)
	}
	res.GenericDecode, err = Measure(func() error {
		for i := range n {
			var v map[string]any
			if err := json.Unmarshal(w.Batches[i%pool], &v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("perfreport: generic decode: %w", err)
	}
	return res, nil
}
