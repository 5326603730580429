package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSegmentFormat(t *testing.T) {
	cases := []struct {
		in   string
		want SegmentFormat
	}{
		{"", 0},
		{"string", SegmentsAsString},
		{"array", SegmentsAsArray},
		{"per-segment", SegmentsPerAttribute},
		{"string,array", SegmentsAsString | SegmentsAsArray},
		{" String , PER-SEGMENT ", SegmentsAsString | SegmentsPerAttribute},
		{"string,array,per-segment", SegmentsAsString | SegmentsAsArray | SegmentsPerAttribute},
	}
	for _, c := range cases {
		got, err := ParseSegmentFormat(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	_, err := ParseSegmentFormat("string,bogus")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"bogus"`)
}

func TestSegmentFormatString(t *testing.T) {
	assert.Equal(t, "default", SegmentFormat(0).String())
	assert.Equal(t, "string,array,per-segment", (SegmentsAsString | SegmentsAsArray | SegmentsPerAttribute).String())
	assert.Equal(t, "array,unknown(0x80)", (SegmentsAsArray | 0x80).String())
	// String and Parse round trip for every combination.
	for f := SegmentFormat(1); f <= segmentFormatAll; f++ {
		back, err := ParseSegmentFormat(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, back)
	}
}

func TestParseAPIKeyOS(t *testing.T) {
	for in, want := range map[string]APIKeyOS{"": APIKeyOSUnselected, "iOS": APIKeyOSiOS, "ANDROID": APIKeyOSAndroid, "web": APIKeyOSWeb, "Unselected": APIKeyOSUnselected} {
		got, err := ParseAPIKeyOS(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		if in != "" {
			back, err := ParseAPIKeyOS(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, back)
		}
	}
	_, err := ParseAPIKeyOS("windows")
	require.ErrorContains(t, err, `"windows"`)
	assert.Equal(t, "APIKeyOS(9)", APIKeyOS(9).String())
}

func TestAudienceSettingsValidate(t *testing.T) {
	require.NoError(t, AudienceSettings{}.Validate())
	require.NoError(t, AudienceSettings{ExternalIdentityType: "other7", EmailIdentityType: "other", APIKeyOS: APIKeyOSWeb}.Validate())
	require.NoError(t, AudienceSettings{ExternalIdentityType: AudienceIdentityMPID}.Validate())
	require.NoError(t, AudienceSettings{APIKeyOS: APIKeyOSiOS, AppID: "app-1"}.Validate())

	bad := []struct {
		s    AudienceSettings
		want string
	}{
		{AudienceSettings{SendSegmentsAs: 0x10}, `AudienceSettings.SendSegmentsAs: "unknown(0x10)" has unknown bits 0x10`},
		{AudienceSettings{ExternalIdentityType: "customer_id"}, `AudienceSettings.ExternalIdentityType: "customer_id" is not a Firehose user identity type`},
		{AudienceSettings{EmailIdentityType: "Email"}, `AudienceSettings.EmailIdentityType: "Email" is not a Firehose user identity type`},
		{AudienceSettings{EmailIdentityType: "mpid"}, `AudienceSettings.EmailIdentityType: "mpid" is not a Firehose user identity type`},
		{AudienceSettings{APIKeyOS: 7}, `AudienceSettings.APIKeyOS: "APIKeyOS(7)" is not iOS`},
		{AudienceSettings{APIKeyOS: APIKeyOSAndroid}, "AudienceSettings.AppID: is required when APIKeyOS is Android"},
	}
	for _, b := range bad {
		err := b.s.Validate()
		var se *SettingsError
		require.ErrorAs(t, err, &se)
		assert.Contains(t, err.Error(), b.want)
	}
}

func TestAudienceSettingsDefaults(t *testing.T) {
	s := AudienceSettings{}.withDefaults()
	assert.Equal(t, SegmentsAsString, s.SendSegmentsAs)
	assert.Equal(t, "customer", s.ExternalIdentityType)
	assert.Equal(t, "email", s.EmailIdentityType)
	assert.NotNil(t, s.Store)
	assert.Equal(t, APIKeyOSUnselected, s.APIKeyOS)
}
