package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRunTiny runs the program on a tiny workload: it prints the whole
// table and exits 0 (every target met) or 1 (some missed), never 2.
func TestRunTiny(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-batches", "40", "-heap-scale", "2", "-naive-batches", "5",
		"-pool", "20", "-users", "15", "-currents-bodies", "2", "-audience-messages", "2", "-queue", "100",
		"-paced-duration", "100ms", "-paced-rate", "5000", "-paced-repeats", "2"}, &out, &errOut)
	assert.Contains(t, []int{0, 1}, code, "stderr: %s", errOut.String())
	text := out.String()
	for _, want := range []string{"forward → brazetest", "forward → sink", "forward → sink, paced at 5000 objects/s", "forward → slow sink (5ms) ×2", "currents → mparticletest", "currents → sink",
		"audience → brazetest", "baseline (a)", "baseline (b)", "targets:", "typed ÷ generic CPU"} {
		assert.Contains(t, text, want)
	}
	assert.Equal(t, code == 0, !strings.Contains(text, "[FAIL]"), "exit code follows the verdicts")
	assert.Contains(t, errOut.String(), "running forward → brazetest", "progress goes to stderr")
	assert.Contains(t, errOut.String(), "on one core (run 2 of 2)", "-paced-repeats sets the one-core paced runs")
	assert.Contains(t, text, "the median of 2 runs (")
}

func TestRunBadFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"-nope"}, &out, &errOut))
	assert.Empty(t, out.String())
}
