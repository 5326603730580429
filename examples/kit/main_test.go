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
	// 14: push tokens travel in an attributes object of their own (so a
	// bad token cannot take other attributes down).
	assert.Contains(t, s, "14 objects delivered, 0 failed.")
	assert.Contains(t, s, `{"external_id":"c-42","push_tokens":[{"app_id":"braze-ios-app-id","token":"apns-device-token"}]}`)
	// The alias is tracked first, merged, and only then is c-42 tracked.
	track := strings.Index(s, "201 /users/track {\"events\":[{\"user_alias\"")
	identify := strings.Index(s, "201 /users/identify")
	c42 := strings.Index(s, "201 /users/track {\"attributes\":[{\"external_id\":\"c-42\"")
	require.True(t, track >= 0 && identify > track && c42 > identify, s)
	assert.Contains(t, s, `"visits":3`)
	assert.Contains(t, s, `"first_name":"Ada"`)
	assert.Contains(t, s, "event Closed App", "after logout Braze stays on c-42")
}
