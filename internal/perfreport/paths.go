package perfreport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// RunPassThrough is baseline (a): each of the first n batches decoded
// generically into map[string]any with encoding/json and re-encoded, no
// mapping and no HTTP, on o.Forwarders goroutines.
func RunPassThrough(w *Workload, n int, o Options) (Row, error) {
	o = o.withDefaults()
	sample, err := Measure(func() error {
		return forEachBatch(w, n, o.Forwarders, func(raw []byte) error {
			var v map[string]any
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			_, err := json.Marshal(v)
			return err
		})
	})
	if err != nil {
		return Row{}, fmt.Errorf("perfreport: pass-through: %w", err)
	}
	return Row{
		Name:      "baseline (a) generic map[string]any decode+encode",
		Note:      "no mapping, no HTTP",
		Inputs:    n,
		Events:    w.Events(n),
		Confirmed: -1,
		Sample:    sample,
	}, nil
}

// currentsToken is the bearer token of the measured Currents handler.
const currentsToken = "perfreport-currents-token"

// RunCurrents posts every Currents body of w to a currents.Handler whose
// sink is an mpbraze.CurrentsForwarder uploading (client limiter off) to
// mparticletest, which validates every batch, or to the sink (target;
// answering after o.SinkLatency), from o.Forwarders goroutines, and drains
// the forwarder inside the measured time. Produced counts mParticle
// batches (one per event with an external user id).
func RunCurrents(ctx context.Context, w *Workload, target Target, o Options) (Row, error) {
	o = o.withDefaults()
	key, secret, baseURL := "perfreport-key", "perfreport-secret", ""
	best, err := CurrentsBestRequests(w)
	if err != nil {
		return Row{}, err
	}
	confirmed := func() int { return -1 }
	var requests, bodyBytes func() int
	name := "currents → mparticletest"
	if target == Sink {
		s, err := newSinkServer(http.StatusAccepted, o.SinkLatency)
		if err != nil {
			return Row{}, fmt.Errorf("perfreport: starting the sink: %w", err)
		}
		defer s.Close()
		baseURL = s.URL()
		requests = func() int { return int(s.Requests()) }
		bodyBytes = func() int { return int(s.BodyBytes()) }
		name = "currents → sink"
		if o.SinkLatency > 0 {
			name = fmt.Sprintf("currents → slow sink (%s)", o.SinkLatency)
		}
	} else {
		fake := mparticletest.NewServer()
		defer fake.Close()
		key, secret, baseURL = fake.Key(), fake.Secret(), fake.URL()
		confirmed = func() int { return fake.Stats().Batches }
		requests = func() int { return fake.Stats().Requests }
		bodyBytes = func() int {
			n := 0
			for _, r := range fake.Requests() {
				n += len(r.Body)
			}
			return n
		}
	}
	client, err := mparticle.NewClient(key, secret,
		mparticle.WithBaseURL(baseURL), mparticle.WithAllowHTTP(),
		mparticle.WithHTTPClient(loopbackClient()),
		mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}))
	if err != nil {
		return Row{}, err
	}
	defer client.CloseIdleConnections()
	fwd, err := mpbraze.NewCurrentsForwarder(mpbraze.CurrentsConfig{Client: client, QueueSize: o.MaxQueuedObjects})
	if err != nil {
		return Row{}, err
	}
	h, err := currents.NewHandler(fwd, currents.WithToken(currentsToken))
	if err != nil {
		return Row{}, err
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	hc := loopbackClient()

	post := func(body []byte) error {
		for {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+currentsToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK, http.StatusAccepted, http.StatusNoContent:
				return nil
			case http.StatusServiceUnavailable: // queue full: Braze would retry later
				time.Sleep(time.Millisecond)
			default:
				return fmt.Errorf("currents handler answered %d", resp.StatusCode)
			}
		}
	}
	sample, err := Measure(func() error {
		var wg sync.WaitGroup
		errs := make([]error, o.Forwarders)
		for g := range o.Forwarders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < len(w.Currents); i += o.Forwarders {
					if err := post(w.Currents[i]); err != nil {
						errs[g] = err
						return
					}
				}
			}()
		}
		wg.Wait()
		return errors.Join(errors.Join(errs...), fwd.Close(ctx))
	})
	if err != nil {
		return Row{}, fmt.Errorf("perfreport: currents: %w", err)
	}
	st := fwd.Stats()
	return Row{
		Name:      name,
		Inputs:    len(w.Currents),
		Events:    w.CurrentsEvents,
		Produced:  int(st.Accepted),
		Delivered: int(st.Delivered),
		Failed:    int(st.Failed),
		Confirmed: confirmed(),
		Skipped:   int(st.Skipped),
		Requests:  requests(),
		Cap:       mparticle.MaxBatchesPerRequest,
		Sample:    sample,

		BestRequests: best,
		BodyBytes:    bodyBytes(),
		ByteCap:      mparticle.MaxRequestBytes,
	}, nil
}

// CurrentsBestRequests returns the fewest /bulkevents requests that can
// carry the batches the Currents path makes of w's bodies (default
// mapping options, as RunCurrents uses): each feed's batches in the order
// they were made, at most mparticle.MaxBatchesPerRequest batches and
// mparticle.MaxRequestBytes bytes of body per request, as
// mparticle.Client.BulkUpload packs them. A run interleaves the bodies
// differently, which moves only the byte sums; on this workload the count
// cap binds (a batch is under 1 KB, 100 of them under a third of the byte
// cap), so the figure holds for any interleaving.
func CurrentsBestRequests(w *Workload) (int, error) {
	m := mapping.NewCurrentsMapper(mapping.CurrentsOptions{})
	sizes := map[mapping.CurrentsFeed][]int{}
	for i, body := range w.Currents {
		events, err := currents.DecodeBody(body)
		if err != nil {
			return 0, fmt.Errorf("perfreport: Currents body %d: %w", i, err)
		}
		for _, cb := range m.Map(events).Batches {
			b, err := cb.Batch.MarshalJSON()
			if err != nil {
				return 0, fmt.Errorf("perfreport: Currents body %d: encoding a batch: %w", i, err)
			}
			sizes[cb.Feed] = append(sizes[cb.Feed], len(b))
		}
	}
	total := 0
	for _, s := range sizes {
		total += fewestRequests(s, mparticle.MaxBatchesPerRequest, mparticle.MaxRequestBytes)
	}
	return total, nil
}

// fewestRequests returns how many requests carry objects of the given
// encoded sizes, in order (the rule of mparticle's unexported split, which
// BulkUpload uses; TestFewestRequests pins it down here), when each request is a JSON array of at most
// maxObjects objects and maxBytes bytes. Filling each request as far as
// the next object allows is optimal when the order is kept. An object
// larger than maxBytes alone still takes one request (the client refuses
// it; it is counted so the figure never undercounts).
func fewestRequests(sizes []int, maxObjects, maxBytes int) int {
	requests, n, body := 0, 0, 0
	for _, size := range sizes {
		if n > 0 && (n == maxObjects || body+1+size > maxBytes) {
			n = 0
		}
		if n == 0 {
			requests++
			body = 2 + size // brackets
		} else {
			body += 1 + size // comma
		}
		n++
	}
	return requests
}

// AudienceSettings are the audience settings of the audience run: all
// three forms (SegmentMembership string, array, per-audience booleans).
func AudienceSettings() mapping.AudienceSettings {
	return mapping.AudienceSettings{
		SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsAsArray | mapping.SegmentsPerAttribute,
	}
}

// RunAudience decodes every audience message of w and applies it through
// a Kit (mapping.AudienceMapper with the in-memory membership store, then
// the batcher) to target, one message after another as Firehose delivers
// them, and drains the kit inside the measured time.
func RunAudience(ctx context.Context, w *Workload, target Target, o Options) (Row, error) {
	o = o.withDefaults()
	srv, err := startBraze(target, o.SinkLatency)
	if err != nil {
		return Row{}, err
	}
	defer srv.close()
	k, err := newKit(srv, o, AudienceSettings())
	if err != nil {
		return Row{}, err
	}
	var sustained braze.BatchStats
	sample, err := Measure(func() error {
		var ferr error
		for _, raw := range w.Audience {
			msg, err := mparticle.DecodeAudienceMembershipChangeRequest(raw)
			if err == nil {
				_, err = k.ApplyAudienceChange(ctx, msg)
			}
			if err != nil {
				ferr = err
				break
			}
		}
		sustained = k.Stats().Delivery
		_, cerr := k.Close(ctx)
		return errors.Join(ferr, cerr)
	})
	if err != nil {
		return Row{}, fmt.Errorf("perfreport: audience → %s: %w", target, err)
	}
	row := kitRow("audience → "+target.String(), len(w.Audience), w.AudienceProfiles, k, srv, sample)
	row.SustainedRequests, row.SustainedObjects = int(sustained.Requests), int(sustained.Objects)
	return row, nil
}
