package perfreport

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze/mparticle"
)

// TestForwardPacedKeepsToItsRate: the paced run feeds at least rate × d
// objects and cannot finish before its schedule lets it (a slow machine
// only makes it later), and every object is delivered once.
func TestForwardPacedKeepsToItsRate(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	w := tinyWorkload(t)
	const rate, d = 10_000.0, 200 * time.Millisecond
	row, err := RunForwardPaced(context.Background(), w, rate, d, 0, Options{})
	require.NoError(t, err)
	perBatch, err := objectsPerBatch(w)
	require.NoError(t, err)
	fed, largest := 0, 0
	for i := range row.Inputs {
		fed += perBatch[i%len(perBatch)]
	}
	for _, n := range perBatch {
		largest = max(largest, n)
	}
	assert.GreaterOrEqual(t, fed, int(rate*d.Seconds()), "fed up to the target")
	assert.Less(t, fed-largest, int(rate*d.Seconds()), "and stopped there")
	assert.Equal(t, fed, row.Produced, "objectsPerBatch counts what the kit maps")
	assert.Equal(t, row.Produced, row.Delivered)
	assert.Zero(t, row.Failed)
	// The last batch is fed when the objects before it are due, at most
	// pacingSlack early.
	earliest := time.Duration(float64(fed-largest)/rate*float64(time.Second)) - pacingSlack
	assert.GreaterOrEqual(t, row.Wall, earliest, "the feeder kept to its schedule")
	assert.Positive(t, row.CoreShare())
	assert.Equal(t, row.CPU.Seconds()/row.Wall.Seconds(), row.CoreShare())
}

// TestForwardPacedOnProcs: a positive procs runs the whole run at that
// GOMAXPROCS, says so in the row, and restores the process's setting.
func TestForwardPacedOnProcs(t *testing.T) {
	w := tinyWorkload(t)
	before := runtime.GOMAXPROCS(0)
	want := 1
	if before == 1 {
		want = 2 // still a change to see undone
	}
	row, err := RunForwardPaced(context.Background(), w, 10_000, 50*time.Millisecond, want, Options{})
	require.NoError(t, err)
	assert.Equal(t, want, row.Procs)
	assert.Contains(t, row.Name, fmt.Sprintf("GOMAXPROCS=%d", want))
	assert.Equal(t, before, runtime.GOMAXPROCS(0), "restored")
	assert.Equal(t, row.Produced, row.Delivered)

	row, err = RunForwardPaced(context.Background(), w, 10_000, 50*time.Millisecond, 0, Options{})
	require.NoError(t, err)
	assert.Equal(t, before, row.Procs, "zero keeps the process's setting")
	assert.NotContains(t, row.Name, "GOMAXPROCS")
}

func TestForwardPacedRefusesBadArguments(t *testing.T) {
	w := tinyWorkload(t)
	_, err := RunForwardPaced(context.Background(), w, 0, time.Second, 0, Options{})
	assert.ErrorContains(t, err, "rate 0")
	_, err = RunForwardPaced(context.Background(), w, 1000, 0, 0, Options{})
	assert.ErrorContains(t, err, "duration 0s")
	_, err = RunForwardPaced(context.Background(), &Workload{}, 1000, time.Second, 0, Options{})
	assert.ErrorContains(t, err, "map to no Braze object", "an empty pool cannot be paced")
	anonymous, err := (&mparticle.Batch{Environment: mparticle.EnvironmentProduction}).Encode()
	require.NoError(t, err)
	_, err = RunForwardPaced(context.Background(), &Workload{Batches: [][]byte{anonymous}}, 1000, time.Second, 0, Options{})
	assert.ErrorContains(t, err, "map to no Braze object", "nor one whose batches map to nothing")
}
