package mpbraze_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	mpbraze "github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/internal/testhttp"
	"github.com/mpbraze/mpbraze/mapping"
)

// hygieneAudienceMessage is a valid audience message of exactly n bytes
// (n >= 350; an "other" identity is padded).
func hygieneAudienceMessage(n int) []byte {
	head := `{"type":"audience_membership_change_request","id":"m-1","timestamp_ms":1714600000000,` +
		`"account":{"account_id":1},"user_profiles":[{"mpid":"1","user_identities":[` +
		`{"type":"customer","encoding":"raw","value":"c-1"},{"type":"other","encoding":"raw","value":"`
	tail := `"}],"audiences":[{"audience_id":7,"audience_name":"VIP","action":"add"}]}]}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// TestHygieneAudienceHandlerBodyLimit: a body over the limit is refused with
// 413 and nothing of it is applied, whether it arrives plain or as a small
// gzip stream that inflates past the limit (a "zip bomb"); a body within the
// limit passes either way; the zero option means the documented default.
func TestHygieneAudienceHandlerBodyLimit(t *testing.T) {
	const token, limit = "hygiene-token", 4096
	srv := brazetest.NewServer()
	defer srv.Close()
	k, err := mpbraze.New(mpbraze.Config{
		BrazeKey: brazetest.DefaultKey, BrazeURL: srv.URL(), AllowHTTP: true, HTTPClient: srv.Client(),
		ClientOptions: []braze.Option{braze.WithRateLimits(braze.RateLimits{Disabled: true})},
		Audience:      mapping.AudienceSettings{SendSegmentsAs: mapping.SegmentsAsArray},
		Batch:         braze.BatchOptions{FlushInterval: -1},
	})
	require.NoError(t, err)
	defer func() { _, _ = k.Close(context.Background()) }()
	h, err := k.AudienceHandler(token, mpbraze.AudienceHandlerOptions{MaxBodyBytes: limit})
	require.NoError(t, err)

	post := func(body []byte, gzipped bool) int {
		r := testhttp.NewRequest("/audience", token, body, gzipped)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	bomb := testhttp.Gzip(hygieneAudienceMessage(1 << 20))
	require.Less(t, len(bomb), limit, "the compressed bomb itself is within the limit")
	queued := func() uint64 { return k.Stats().Delivery.Added }

	assert.Equal(t, http.StatusRequestEntityTooLarge, post(hygieneAudienceMessage(limit+1), false), "plain body over the limit")
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(bomb, true), "gzip body inflating past the limit")
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(bytes.Repeat([]byte(" "), 64<<20), false), "64 MiB of spaces")
	assert.Zero(t, queued(), "nothing of a refused body is applied")

	assert.Equal(t, http.StatusOK, post(hygieneAudienceMessage(limit-100), false), "plain body within the limit")
	assert.Equal(t, http.StatusOK, post(testhttp.Gzip(hygieneAudienceMessage(limit-100)), true), "gzip body within the limit")
	assert.Equal(t, uint64(2), queued())

	def, err := k.AudienceHandler(token, mpbraze.AudienceHandlerOptions{})
	require.NoError(t, err)
	h = def
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(bytes.Repeat([]byte(" "), int(mpbraze.DefaultAudienceMaxBodyBytes)+1), false),
		"the default limit applies when the option is zero")
}

// TestHygieneHTTPServersHaveTimeoutsAndShutdown reads every non-test Go file
// of the module and checks the HTTP servers it builds:
//   - every http.Server literal sets ReadHeaderTimeout, ReadTimeout,
//     WriteTimeout and IdleTimeout (a server without them can be held open
//     by slow clients: Slowloris);
//   - nothing calls http.ListenAndServe, http.ListenAndServeTLS, http.Serve
//     or http.ServeTLS, which use a server without timeouts;
//   - a file that starts a server (Serve, ServeTLS, ListenAndServe,
//     ListenAndServeTLS) also calls Shutdown, so that requests in flight
//     finish and what was acknowledged is delivered on exit.
func TestHygieneHTTPServersHaveTimeoutsAndShutdown(t *testing.T) {
	required := []string{"ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout"}
	servers := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		httpName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"net/http"` {
				httpName = "http"
				if imp.Name != nil {
					httpName = imp.Name.Name
				}
			}
		}
		if httpName == "" {
			return nil
		}
		starts, shutdown := false, false
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Server" && isIdent(sel.X, httpName) {
					servers++
					set := map[string]bool{}
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if key, ok := kv.Key.(*ast.Ident); ok {
								set[key.Name] = true
							}
						}
					}
					for _, field := range required {
						assert.True(t, set[field], "%s: http.Server without %s", fset.Position(n.Pos()), field)
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch name := sel.Sel.Name; name {
				case "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS":
					if isIdent(sel.X, httpName) {
						t.Errorf("%s: http.%s serves without timeouts; build an http.Server", fset.Position(n.Pos()), name)
					}
					starts = true
				case "Shutdown":
					shutdown = true
				}
			}
			return true
		})
		if starts && !shutdown {
			t.Errorf("%s: starts an HTTP server but never calls Shutdown", path)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Positive(t, servers, "the examples' servers were found (the check ran)")
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// TestHygieneKitCloseEndsWithItsContextWhenBrazeHangs: when Braze accepts
// connections but never answers, Close still returns once its context ends
// and reports what it could not deliver as failed; no goroutine is left (the
// package's TestMain checks).
func TestHygieneKitCloseEndsWithItsContextWhenBrazeHangs(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	k, err := mpbraze.New(mpbraze.Config{
		BrazeKey: brazetest.DefaultKey, BrazeURL: srv.URL, AllowHTTP: true,
		ClientOptions: []braze.Option{braze.WithRateLimits(braze.RateLimits{Disabled: true})},
		Batch:         braze.BatchOptions{FlushInterval: -1},
	})
	require.NoError(t, err)
	require.NoError(t, k.Forward(context.Background(), secretBatch(t, "c-1")))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	rep, err := k.Close(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "Close gives up with its context")
	assert.Equal(t, 2, rep.Failed, "what could not be delivered is reported failed")
	for _, f := range rep.Failures {
		assert.ErrorIs(t, f.Err, braze.ErrClosed)
	}
}
