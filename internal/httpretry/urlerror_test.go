package httpretry

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// A transport failure must come back without net/http's *url.Error, whose
// text quotes the whole URL (query included).
func TestDoTransportErrorHasNoURLText(t *testing.T) {
	_, srv := newScripted(t, drop)
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: -1}})
	target := srv.URL + "/p?token=SECRET-IN-QUERY"
	resp, _, err := send(t, c, target, nil)
	require.Error(t, err)
	assert.Nil(t, resp)
	var ue *url.Error
	assert.False(t, errors.As(err, &ue), "no *url.Error in %#v", err)
	assert.NotContains(t, err.Error(), "SECRET-IN-QUERY")
	assert.NotContains(t, err.Error(), srv.URL)
}

// Cancelled mid-call: the context error joined with the cause, again
// without the URL.
func TestDoCancelledErrorHasNoURLText(t *testing.T) {
	_, srv := newScripted(t, drop)
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: -1}})
	ctx, cancel := context.WithCancel(context.Background())
	target := srv.URL + "/p?token=SECRET-IN-QUERY"
	_, _, err := c.Do(ctx, Request{Method: http.MethodPost, URL: target, Endpoint: "/p",
		BeforeAttempt: func(context.Context) error { cancel(); return nil }})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, err.Error(), "SECRET-IN-QUERY")
}
