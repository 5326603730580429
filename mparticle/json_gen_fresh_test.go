package mparticle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// json_gen.go must be what the generator writes from the model structs as
// they are: a struct edited without `go generate` would otherwise decode
// with a stale field list. The generator runs in a scratch directory on
// copies of its inputs, so the package's own file is never touched.
func TestGeneratedCodecIsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	dir := t.TempDir()
	inputs, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, name := range inputs {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	require.NoError(t, os.Remove(filepath.Join(dir, "json_gen.go")))

	cmd := exec.Command(goTool, "run", "json_generate.go")
	cmd.Dir = dir
	// The scratch directory holds no go.mod: the generator imports only
	// the standard library and must not resolve this module.
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=on", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go run json_generate.go: %s", out)

	want, err := os.ReadFile(filepath.Join(dir, "json_gen.go"))
	require.NoError(t, err)
	got, err := os.ReadFile("json_gen.go")
	require.NoError(t, err)
	if !bytes.Equal(want, got) {
		t.Fatal("json_gen.go is stale: run `go generate ./mparticle` and commit the result")
	}
}
