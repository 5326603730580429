package mpbraze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// goldenBatches returns the mapping goldens' input batches: every event
// type, commerce shape, identity and attribute form the mapper handles,
// from a few bytes to a few kilobytes.
func goldenBatches(t *testing.T) [][]byte {
	t.Helper()
	paths, err := filepath.Glob("mapping/testdata/golden/*/batch.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := make([][]byte, 0, len(paths))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		out = append(out, raw)
	}
	return out
}

// sentBodies forwards every batch through a fresh kit for srv, with one
// request in flight so that requests are built in a fixed order, and
// returns the /users/track bodies srv accepted.
func sentBodies(t *testing.T, cfg Config, batches [][]byte, forward func(*Kit, []byte) error) []string {
	t.Helper()
	srv := newServer(t)
	c := cfg
	c.BrazeURL, c.HTTPClient = srv.URL(), srv.Client()
	c.Batch.MaxConcurrentRequests = 1
	k := newKit(t, c)
	for i, raw := range batches {
		require.NoError(t, forward(k, raw), "batch %d", i)
	}
	_, err := k.Close(context.Background())
	require.NoError(t, err)
	var out []string
	for _, r := range srv.Requests() {
		if r.Path == "/users/track" && r.Status == 201 {
			out = append(out, string(r.Body))
		}
	}
	return out
}

// decodeAndForward is the way in without ForwardJSON: DecodeBatch, then
// Forward.
func decodeAndForward(k *Kit, raw []byte) error {
	b, err := mparticle.DecodeBatch(raw)
	if err != nil {
		return err
	}
	return k.Forward(context.Background(), b)
}

// TestForwardJSONSendsWhatDecodeAndForwardSend forwards the goldens (big
// batches before small ones and after them, so that reused memory always
// held something else before) through ForwardJSON and through DecodeBatch
// + Forward on a kit that reuses nothing, and compares the bytes Braze got.
func TestForwardJSONSendsWhatDecodeAndForwardSend(t *testing.T) {
	checkLeaks(t)
	batches := goldenBatches(t)
	slices.SortStableFunc(batches, func(a, b []byte) int { return len(b) - len(a) })
	seq := append(slices.Clone(batches), batches...)
	slices.Reverse(batches)
	seq = append(seq, batches...)

	cfg := testConfig(newServer(t)) // sentBodies gives each kit a server of its own
	fresh := cfg
	fresh.RetainObjects = true // nothing is recycled
	want := sentBodies(t, fresh, seq, decodeAndForward)
	require.NotEmpty(t, want)
	viaJSON := sentBodies(t, cfg, seq, func(k *Kit, raw []byte) error {
		return k.ForwardJSON(context.Background(), raw)
	})
	viaForward := sentBodies(t, cfg, seq, decodeAndForward)
	assert.Equal(t, want, viaJSON, "ForwardJSON, decode and mapping memory reused")
	assert.Equal(t, want, viaForward, "Forward, mapping memory reused")
}

// TestForwardJSONResultsCarryTheSentJSON checks that, by default, results
// hand back each object's JSON as sent and no object, and that with
// RetainObjects the objects handed back are the ones sent even after the
// kit has mapped later batches.
func TestForwardJSONResultsCarryTheSentJSON(t *testing.T) {
	checkLeaks(t)
	batches := goldenBatches(t)
	for _, retain := range []bool{false, true} {
		srv := newServer(t)
		var mu sync.Mutex
		var results []braze.Result
		cfg := testConfig(srv)
		cfg.RetainObjects = retain
		cfg.OnResult = func(r braze.Result) { mu.Lock(); results = append(results, r); mu.Unlock() }
		k := newKit(t, cfg)
		for _, raw := range batches {
			require.NoError(t, k.ForwardJSON(context.Background(), raw))
		}
		_, err := k.Flush(context.Background())
		require.NoError(t, err)

		sent := map[string]int{}
		for _, body := range trackBodies(t, srv) {
			for _, array := range []string{"attributes", "events", "purchases"} {
				objs, _ := body.(map[string]any)[array].([]any)
				for _, o := range objs {
					raw, err := json.Marshal(o)
					require.NoError(t, err)
					sent[string(raw)]++
				}
			}
		}
		require.NotEmpty(t, results)
		for i, r := range results {
			require.NoError(t, r.Err)
			require.NotEmpty(t, r.Object, "result %d has its JSON", i)
			var generic any
			require.NoError(t, json.Unmarshal(r.Object, &generic))
			canon, err := json.Marshal(generic)
			require.NoError(t, err)
			assert.Positive(t, sent[string(canon)], "result %d's JSON is an object Braze got: %s", i, r.Object)
			if !retain {
				assert.Nil(t, r.Item.Attributes, "result %d: no object kept", i)
				assert.Nil(t, r.Item.Event, "result %d: no object kept", i)
				assert.Nil(t, r.Item.Purchase, "result %d: no object kept", i)
				continue
			}
			var again []byte
			switch {
			case r.Item.Attributes != nil:
				again, err = r.Item.Attributes.AppendJSON(nil)
			case r.Item.Event != nil:
				again, err = r.Item.Event.AppendJSON(nil)
			case r.Item.Purchase != nil:
				again, err = r.Item.Purchase.AppendJSON(nil)
			default:
				t.Fatalf("result %d: RetainObjects but no object", i)
			}
			require.NoError(t, err)
			assert.JSONEq(t, string(r.Object), string(again), "result %d: the object kept is the one sent", i)
		}
	}
}

func TestForwardJSONRefusesBadJSONAndQueuesNothing(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k := newKit(t, testConfig(srv))
	err := k.ForwardJSON(context.Background(), []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":7}}]}`))
	var de *mparticle.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "event_name")
	// The decoder that failed serves the next batch.
	require.NoError(t, k.ForwardJSON(context.Background(), goldenBatches(t)[0]))
	rep, err := k.Flush(context.Background())
	require.NoError(t, err)
	assert.Zero(t, rep.Failed)
	assert.Equal(t, uint64(1), k.Stats().Batches, "the refused batch was not counted")

	_, err = k.Close(context.Background())
	require.NoError(t, err)
	assert.ErrorIs(t, k.ForwardJSON(context.Background(), goldenBatches(t)[0]), ErrClosed)
}

// TestForwardJSONItemErrorsQueueNothing: an object refused at Add makes
// ForwardJSON return braze.ItemErrors and queue nothing of the batch; the
// error reads the same after later batches reused the kit's memory (its
// scratch is not put back for them), and those batches go through.
func TestForwardJSONItemErrorsQueueNothing(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.ClientOptions = append(cfg.ClientOptions, braze.WithLimits(braze.Limits{MaxBodyBytes: 120}))
	k := newKit(t, cfg)
	raw := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"Listed","custom_event_type":"other",` +
		`"custom_attributes":{"tags":["alpha","beta","gamma"]}}}],"user_identities":{"customer_id":"c-9"}}`)
	err := k.ForwardJSON(context.Background(), raw)
	var ies braze.ItemErrors
	require.ErrorAs(t, err, &ies)
	require.Len(t, ies, 1)
	assert.Equal(t, braze.ObjectEvent, ies[0].Kind)
	assert.Zero(t, k.Stats().Objects, "nothing of the refused batch is queued")
	msg := err.Error()
	small := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"Ok","custom_event_type":"other"}}],` +
		`"user_identities":{"customer_id":"c-1"}}`)
	for range 3 {
		require.NoError(t, k.ForwardJSON(context.Background(), small))
	}
	assert.Equal(t, msg, err.Error(), "the error reads the same after later batches")
	rep, err := k.Flush(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Delivered, "the later batches, and only they, were delivered")
}

func TestNewRefusesRetainObjectsWithForgetObjects(t *testing.T) {
	cfg := testConfig(newServer(t))
	cfg.RetainObjects = true
	cfg.Batch.ForgetObjects = true
	_, err := New(cfg)
	var ce *ConfigError
	require.True(t, errors.As(err, &ce), "got %v", err)
	assert.Equal(t, "RetainObjects", ce.Field)
}

// TestForwardJSONRefOwnsItsBatchID checks that a queued object's BatchRef
// holds a copy of the batch id, not the id cut from the decoded batch's
// text: ForwardJSON decodes into memory its next call overwrites
// (mparticle's DecodeTransient), so an alias would change under the
// result that holds it.
func TestForwardJSONRefOwnsItsBatchID(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	batchRefs := collectRefs(&cfg)
	k := newKit(t, cfg)
	raw := []byte(`{"source_request_id":"req-owned","environment":"production","mpid":42,` +
		`"user_identities":{"customer_id":"c-1"},"user_attributes":{"tier":"gold"}}`)
	// ForwardJSON's own steps, with the scratch held here so that the
	// decoded batch can be compared after the call.
	s := k.getScratch()
	b, err := s.batch.DecodeTransient(raw)
	require.NoError(t, err)
	require.NoError(t, k.forwardWith(context.Background(), b, s))
	_, err = k.Flush(context.Background())
	require.NoError(t, err)
	refs := batchRefs()
	require.NotEmpty(t, refs)
	assert.Equal(t, "req-owned", refs[0].BatchID)
	assert.NotSame(t, unsafe.StringData(b.SourceRequestID), unsafe.StringData(refs[0].BatchID),
		"BatchRef.BatchID must not alias the decoded batch's text")
}

// TestForwardJSONKeepsNoStringOfTheBatch: ForwardJSON decodes each batch
// into memory that a later call overwrites (DecodeTransient), so whatever
// the kit keeps or hands out past the call must be a copy: the users it
// queues, the BatchRefs, the diagnostics. Two goroutines forward 400
// batches, each with its own customer, event name and source_request_id
// of the same lengths (so that overwritten text would read as another
// batch's, not as garbage), and a reserved property key, which makes a
// diagnostic naming the event. With one request in flight, most users
// wait in the queue while later batches are decoded over their text.
func TestForwardJSONKeepsNoStringOfTheBatch(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Batch.MaxConcurrentRequests = 1
	var mu sync.Mutex
	var diags []mapping.Diagnostic
	cfg.OnDiagnostic = func(d mapping.Diagnostic) { mu.Lock(); diags = append(diags, d); mu.Unlock() }
	refs := collectRefs(&cfg)
	k := newKit(t, cfg)

	const n = 400
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			buf := make([]byte, 0, 512)
			for i := g; i < n; i += 2 {
				buf = fmt.Appendf(buf[:0], `{"source_request_id":"req-%04d","user_identities":{"customer_id":"cust-%04d"},`+
					`"events":[{"event_type":"custom_event","data":{"event_name":"Event %04d","custom_event_type":"other",`+
					`"custom_attributes":{"time":"t-%04d"}}}]}`, i, i, i, i)
				if err := k.ForwardJSON(context.Background(), buf); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	_, err := k.Close(context.Background())
	require.NoError(t, err)

	// Every event reached Braze under its own customer.
	got := map[string]string{}
	for _, body := range trackBodies(t, srv) {
		for _, ev := range body.(map[string]any)["events"].([]any) {
			e := ev.(map[string]any)
			got[e["name"].(string)] = e["external_id"].(string)
		}
	}
	require.Len(t, got, n)
	for name, id := range got {
		assert.Equal(t, strings.Replace(name, "Event ", "cust-", 1), id)
	}
	// Every diagnostic and every ref still names its own batch.
	require.Len(t, diags, n)
	batchIDs, eventNames := map[string]bool{}, map[string]bool{}
	for _, d := range diags {
		assert.Equal(t, strings.Replace(d.EventName, "Event ", "req-", 1), d.BatchID, "diagnostic %+v", d)
		batchIDs[d.BatchID], eventNames[d.EventName] = true, true
	}
	assert.Len(t, batchIDs, n, "each diagnostic names its own batch")
	assert.Len(t, eventNames, n, "each diagnostic names its own event")
	refIDs := map[string]bool{}
	for _, r := range refs() {
		refIDs[r.BatchID] = true
	}
	assert.Len(t, refIDs, n, "each batch's ref names it")
}
