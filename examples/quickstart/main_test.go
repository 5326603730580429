package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstart(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(&out, &errOut), errOut.String())
	s := out.String()
	assert.Contains(t, s, "7 objects delivered, 0 failed")
	assert.Contains(t, s, `external_id "cust-ada"`)
	assert.Contains(t, s, `"first_name":"Ada"`)
	assert.Contains(t, s, `purchase    "SKU-TENT-2P"`)
	assert.Contains(t, s, `external_id "cust-grace"`)
	assert.Contains(t, s, "user_skipped   batch qs-anonymous-1")
	assert.Contains(t, s, "loop_guard     batch qs-from-currents-1")
	assert.NotContains(t, s, `event       "Email Opens"`, "Currents data is not sent back")
}
