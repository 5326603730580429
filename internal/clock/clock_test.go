package clock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestRealSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Real().Sleep(ctx, time.Hour)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, Real().Sleep(context.Background(), 0))
	require.NoError(t, Real().Sleep(context.Background(), time.Microsecond))
}

func TestOrReal(t *testing.T) {
	assert.Equal(t, Real(), OrReal(nil))
	m := NewManual(epoch)
	assert.Same(t, m, OrReal(m))
}

func TestManualSleepWakesOnAdvance(t *testing.T) {
	m := NewManual(epoch)
	done := make(chan error, 1)
	go func() { done <- m.Sleep(context.Background(), 10*time.Second) }()

	require.NoError(t, m.WaitForWaiters(context.Background(), 1))
	m.Advance(9 * time.Second)
	select {
	case <-done:
		t.Fatal("sleep returned before its deadline")
	default:
	}
	assert.Equal(t, 1, m.Waiters())
	m.Advance(time.Second)
	require.NoError(t, <-done)
	assert.Equal(t, epoch.Add(10*time.Second), m.Now())
	assert.Equal(t, []time.Duration{10 * time.Second}, m.Sleeps())
	assert.Equal(t, 0, m.Waiters())
}

func TestManualSleepCancelled(t *testing.T) {
	m := NewManual(epoch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Sleep(ctx, time.Minute) }()
	require.NoError(t, m.WaitForWaiters(context.Background(), 1))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 0, m.Waiters())
	assert.Equal(t, epoch, m.Now(), "cancellation must not move the clock")
}

func TestManualAfterAndSet(t *testing.T) {
	m := NewManual(epoch)
	ch := m.After(time.Minute)
	m.Set(epoch.Add(-time.Hour)) // backwards: ignored
	assert.Equal(t, epoch, m.Now())
	m.Set(epoch.Add(2 * time.Minute))
	got := <-ch
	assert.Equal(t, epoch.Add(2*time.Minute), got)

	now := <-m.After(0)
	assert.Equal(t, m.Now(), now)
}

func TestAutoAdvance(t *testing.T) {
	m := NewAutoAdvance(epoch)
	require.NoError(t, m.Sleep(context.Background(), time.Second))
	require.NoError(t, m.Sleep(context.Background(), 2*time.Second))
	<-m.After(3 * time.Second)
	assert.Equal(t, epoch.Add(6*time.Second), m.Now())
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, m.Sleeps())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, m.Sleep(ctx, time.Second), context.Canceled)
	assert.Equal(t, epoch.Add(6*time.Second), m.Now())
}

func TestManualNegativeAdvanceIgnored(t *testing.T) {
	m := NewManual(epoch)
	m.Advance(-time.Second)
	assert.Equal(t, epoch, m.Now())
}
