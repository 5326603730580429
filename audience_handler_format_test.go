package mpbraze_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/mapping"
)

// TestAudienceHandlerPrintsNoInternals: every fmt verb and slog print the
// handler's String — no token, and no internal fields (the kit pointer,
// the secret holder) that %#v would otherwise spell out.
func TestAudienceHandlerPrintsNoInternals(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{}, nil)
	const token = "aud-token-7f3c-not-for-printing"
	h, err := r.kit.AudienceHandler(token, mpbraze.AudienceHandlerOptions{MaxBodyBytes: 2048})
	require.NoError(t, err)

	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("handler", "h", h)
	for _, out := range []string{
		fmt.Sprintf("%v", h), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h), fmt.Sprintf("%s", h), logs.String(),
	} {
		assert.NotContains(t, out, token)
		assert.NotContains(t, out, "kit:", "internal fields printed: %s", out)
		assert.Contains(t, out, "mpbraze.AudienceHandler{token: [redacted], maxBody: 2048}")
	}
}
