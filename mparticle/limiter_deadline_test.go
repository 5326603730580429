package mparticle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// A rate-limiter wait that would outlast the deadline ends the call at once
// with ErrDeadlineTooSoon, like the braze client: nothing was sent, so it is
// neither a *TransportError nor counted as a transport failure.
func TestUploadLimiterWaitPastDeadline(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	// One batch per hour, burst 1: the second upload would wait an hour.
	c, _ := newClient(t, srv, mparticle.WithRateLimit(mparticle.RateLimit{Requests: 1, Per: time.Hour}))
	require.NoError(t, c.Upload(context.Background(), userBatch("a", 0)))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.Upload(ctx, userBatch("b", 0))
	require.Error(t, err)
	assert.ErrorIs(t, err, mparticle.ErrDeadlineTooSoon)
	var te *mparticle.TransportError
	assert.False(t, errors.As(err, &te), "not a transport error: %v", err)
	assert.Contains(t, err.Error(), "rate limiter")
	assert.Len(t, srv.Requests(), 1, "nothing sent")
	assert.Zero(t, c.Stats().TransportErrors)
}
