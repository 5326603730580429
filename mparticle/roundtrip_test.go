package mparticle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchFiles lists the batch documents of testdata (fixtures copied from
// /work/shared/fixtures plus the corpus).
func batchFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"testdata/*.json", "testdata/corpus/*.json"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		for _, f := range m {
			if strings.Contains(filepath.Base(f), "audience") {
				continue
			}
			files = append(files, f)
		}
	}
	require.NotEmpty(t, files)
	return files
}

func TestRoundTripFiles(t *testing.T) {
	for _, f := range batchFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			b, err := DecodeBatch(in)
			require.NoError(t, err)
			out, err := b.Encode()
			require.NoError(t, err)
			assert.JSONEq(t, string(in), string(out))
			requireSameJSON(t, in, out)

			// Decode the output again: same Go value, same bytes.
			b2, err := DecodeBatch(out)
			require.NoError(t, err)
			out2, err := b2.Encode()
			require.NoError(t, err)
			assert.Equal(t, string(out), string(out2))

			// encoding/json goes through the same codec.
			var b3 Batch
			require.NoError(t, json.Unmarshal(in, &b3))
			out3, err := json.Marshal(b3)
			require.NoError(t, err)
			assert.JSONEq(t, string(in), string(out3))
		})
	}
}
