package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKitDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(&out, &errOut), errOut.String())
	s := out.String()
	assert.Contains(t, s, "13 objects delivered, 0 failed.")
	// The alias is tracked first, merged, and only then is c-42 tracked.
	track := strings.Index(s, "201 /users/track {\"events\":[{\"user_alias\"")
	identify := strings.Index(s, "201 /users/identify")
	c42 := strings.Index(s, "201 /users/track {\"attributes\":[{\"external_id\":\"c-42\"")
	require.True(t, track >= 0 && identify > track && c42 > identify, s)
	assert.Contains(t, s, `"visits":3`)
	assert.Contains(t, s, `"first_name":"Ada"`)
	assert.Contains(t, s, "event Closed App", "after logout Braze stays on c-42")
}
