package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const raw = "super-secret-rest-key-0001"

type holder struct {
	name string
	key  Secret // unexported on purpose: fmt cannot call methods here
	Key  Secret
	Ptr  *Secret
}

func TestSecretNeverPrints(t *testing.T) {
	s := New(raw)
	h := holder{name: "x", key: s, Key: s, Ptr: &s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		for _, v := range []any{s, &s, h, &h, []Secret{s}, map[string]Secret{"k": s}} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, raw, "verb %s on %T", verb, v)
		}
	}
	assert.Equal(t, Redacted, s.String())
	assert.Equal(t, Redacted, s.GoString())
	assert.Equal(t, Redacted, fmt.Sprint(s))
}

func TestSecretJSONAndSlog(t *testing.T) {
	s := New(raw)
	b, err := json.Marshal(struct{ Key Secret }{s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Key":"[redacted]"}`, string(b))

	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		l := slog.New(h)
		l.Info("msg", "key", s, "ptr", &s, "group", slog.GroupValue(slog.Any("k", s)), "holder", holder{key: s, Key: s})
	}
	assert.NotContains(t, buf.String(), raw)
	assert.Contains(t, buf.String(), Redacted)
}

func TestReveal(t *testing.T) {
	s := New(raw)
	assert.Equal(t, raw, s.Reveal())
	assert.False(t, s.IsZero())
	assert.True(t, Secret{}.IsZero())
	assert.True(t, New("").IsZero())
	assert.Equal(t, "", Secret{}.Reveal())
	assert.True(t, s.Equal(New(raw)))
	assert.False(t, s.Equal(New("other")))
	txt, err := s.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, Redacted, string(txt))
}

func TestURLDropsCredentials(t *testing.T) {
	cases := map[string]string{
		"https://u:SECRET@host.example/v2?api_key=SECRET#SECRET": "https://host.example/v2",
		"https://host.example:8443/a%2Fb":                        "https://host.example:8443/a%2Fb",
		"http://127.0.0.1:1":                                     "http://127.0.0.1:1",
		"mailto:SECRET@example.com":                              "mailto:" + Redacted,
		"x?api_key=SECRET":                                       "x",
	}
	for in, want := range cases {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := URL(u); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := URL(nil); got != "" {
		t.Errorf("URL(nil) = %q", got)
	}
}
