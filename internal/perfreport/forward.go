package perfreport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Target chooses the server a path sends to.
type Target int

const (
	// Brazetest is the validating fake (braze/brazetest, or
	// mparticletest for the Currents path) with its rate limit off and its
	// store off: it decodes and checks every object, so its CPU is in the
	// figures too.
	Brazetest Target = iota
	// Sink reads the body and answers success: the library's own cost.
	Sink
)

// String returns "brazetest" or "sink".
func (t Target) String() string {
	if t == Sink {
		return "sink"
	}
	return "brazetest"
}

// brazeServer is a running Braze stand-in.
type brazeServer struct {
	url      string
	key      string
	close    func()
	accepted func() int // objects the server confirmed, -1 if it does not count
	requests func() int
}

func startBraze(t Target, sinkLatency time.Duration) (*brazeServer, error) {
	if t == Sink {
		s, err := newSinkServer(http.StatusCreated, sinkLatency)
		if err != nil {
			return nil, fmt.Errorf("perfreport: starting the sink: %w", err)
		}
		return &brazeServer{url: s.URL(), key: brazetest.DefaultKey, close: func() { _ = s.Close() },
			accepted: func() int { return -1 }, requests: func() int { return int(s.Requests()) }}, nil
	}
	s := brazetest.NewServer(brazetest.WithoutStore())
	return &brazeServer{url: s.URL(), key: s.Key(), close: s.Close,
		accepted: func() int {
			a := s.Stats().Accepted
			return a["attributes"] + a["events"] + a["purchases"]
		},
		requests: func() int {
			n := 0
			for _, c := range s.Stats().Requests {
				n += c
			}
			return n
		}}, nil
}

// MappingSettings are the mapping settings of every run: type detection,
// screen views and sessions on, a fixed clock.
func MappingSettings() mapping.Settings {
	return mapping.Settings{
		EnableTypeDetection:  true,
		ForwardScreenViews:   true,
		ForwardSessionEvents: true,
		Now:                  func() time.Time { return baseTime },
	}
}

// newKit returns a kit sending to srv with the client's limiter off.
func newKit(srv *brazeServer, o Options, audience mapping.AudienceSettings) (*mpbraze.Kit, error) {
	return newKitLimited(srv, o, audience, braze.RateLimits{Disabled: true})
}

// newKitLimited is newKit with the client's rate limits set to limits.
func newKitLimited(srv *brazeServer, o Options, audience mapping.AudienceSettings, limits braze.RateLimits) (*mpbraze.Kit, error) {
	return mpbraze.New(mpbraze.Config{
		BrazeKey:   srv.key,
		BrazeURL:   srv.url,
		AllowHTTP:  true,
		HTTPClient: loopbackClient(),
		Mapping:    MappingSettings(),
		Audience:   audience,
		ClientOptions: []braze.Option{
			braze.WithRateLimits(limits),
		},
		Batch: braze.BatchOptions{
			MaxQueuedObjects:      o.MaxQueuedObjects,
			MaxConcurrentRequests: o.Concurrency,
		},
		Now: func() time.Time { return baseTime },
	})
}

// forEachBatch runs fn for the first n batches of the workload (cycling
// through the pool) on goroutines goroutines; see forEachIndex.
func forEachBatch(w *Workload, n, goroutines int, fn func(raw []byte) error) error {
	return forEachIndex(w, n, goroutines, func(i int) error { return fn(w.Batches[i]) })
}

// forEachIndex runs fn with the pool index of each of the first n batches
// of the workload (cycling through the pool) on goroutines goroutines. A
// user's batches all go to the same goroutine, in order, as a partitioned
// consumer would feed them.
func forEachIndex(w *Workload, n, goroutines int, fn func(i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool := len(w.Batches)
			for i := range n {
				if w.BatchUsers[i%pool]%goroutines != g {
					continue
				}
				if err := fn(i % pool); err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// heapGCEvery is how often the memory runs collect garbage to sample the
// live heap: a run of the default size then takes a dozen samples or more.
const heapGCEvery = 100 * time.Millisecond

// RunForward forwards the first n batches of w through a Kit to target:
// Kit.ForwardJSON (decode → map → batch → encode) → HTTP, with
// Close draining the queue inside the measured time.
func RunForward(ctx context.Context, w *Workload, n int, target Target, o Options) (Row, error) {
	o = o.withDefaults()
	srv, err := startBraze(target, o.SinkLatency)
	if err != nil {
		return Row{}, err
	}
	defer srv.close()
	k, err := newKit(srv, o, mapping.AudienceSettings{})
	if err != nil {
		return Row{}, err
	}
	var sustained braze.BatchStats
	measure := Measure
	if target == Sink && o.SinkLatency > 0 {
		// The memory runs: their live heaps are compared.
		measure = func(fn func() error) (Sample, error) { return MeasureHeap(fn, heapGCEvery) }
	}
	sample, err := measure(func() error {
		ferr := forEachBatch(w, n, o.Forwarders, func(raw []byte) error {
			return k.ForwardJSON(ctx, raw)
		})
		sustained = k.Stats().Delivery
		_, cerr := k.Close(ctx)
		return errors.Join(ferr, cerr)
	})
	if err != nil {
		return Row{}, fmt.Errorf("perfreport: forward → %s: %w", target, err)
	}
	name := "forward → " + target.String()
	if target == Sink && o.SinkLatency > 0 {
		name = fmt.Sprintf("forward → slow sink (%s)", o.SinkLatency)
	}
	row := kitRow(name, n, w.Events(n), k, srv, sample)
	row.SustainedRequests, row.SustainedObjects = int(sustained.Requests), int(sustained.Objects)
	return row, nil
}

// kitRow is the row of a run through kit k to srv, counted by the kit's
// stats and the server.
func kitRow(name string, inputs, events int, k *mpbraze.Kit, srv *brazeServer, sample Sample) Row {
	st := k.Stats()
	return Row{
		Name:      name,
		Inputs:    inputs,
		Events:    events,
		Produced:  int(st.Objects),
		Delivered: int(st.Delivery.Delivered),
		Failed:    int(st.Delivery.Failed),
		Confirmed: srv.accepted(),
		Requests:  int(st.Delivery.Requests),
		Cap:       braze.DefaultLimits().MaxObjects,
		Sample:    sample,
	}
}

// RunNaive is baseline (b): the same decode and mapping, then one
// /users/track request per Braze object (per event), no batching, from
// o.Forwarders goroutines to target.
func RunNaive(ctx context.Context, w *Workload, n int, target Target, o Options) (Row, error) {
	o = o.withDefaults()
	srv, err := startBraze(target, o.SinkLatency)
	if err != nil {
		return Row{}, err
	}
	defer srv.close()
	client, err := braze.NewClient(srv.key, braze.WithBaseURL(srv.url), braze.WithAllowHTTP(),
		braze.WithHTTPClient(loopbackClient()), braze.WithRateLimits(braze.RateLimits{Disabled: true}))
	if err != nil {
		return Row{}, err
	}
	m, err := mapping.New(MappingSettings())
	if err != nil {
		return Row{}, err
	}
	var mu sync.Mutex
	produced, delivered, failed := 0, 0, 0
	sample, err := Measure(func() error {
		return forEachBatch(w, n, o.Forwarders, func(raw []byte) error {
			b, err := mparticle.DecodeBatch(raw)
			if err != nil {
				return err
			}
			r := m.Map(b)
			reqs := make([]braze.TrackRequest, 0, r.Len())
			for i := range r.Attributes {
				reqs = append(reqs, braze.TrackRequest{Attributes: r.Attributes[i : i+1]})
			}
			for i := range r.Events {
				reqs = append(reqs, braze.TrackRequest{Events: r.Events[i : i+1]})
			}
			for i := range r.Purchases {
				reqs = append(reqs, braze.TrackRequest{Purchases: r.Purchases[i : i+1]})
			}
			ok, bad := 0, 0
			for i := range reqs {
				if _, err := client.Track(ctx, &reqs[i]); err != nil {
					bad++
				} else {
					ok++
				}
			}
			mu.Lock()
			produced += len(reqs)
			delivered += ok
			failed += bad
			mu.Unlock()
			return nil
		})
	})
	if err != nil {
		return Row{}, fmt.Errorf("perfreport: naive → %s: %w", target, err)
	}
	return Row{
		Name:      "baseline (b) naive, 1 request/object → " + target.String(),
		Inputs:    n,
		Events:    w.Events(n),
		Produced:  produced,
		Delivered: delivered,
		Failed:    failed,
		Confirmed: srv.accepted(),
		Requests:  srv.requests(),
		Cap:       braze.DefaultLimits().MaxObjects,
		Sample:    sample,
	}, nil
}
