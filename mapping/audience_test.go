package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// audienceMessage builds a membership change message for tests.
func audienceMessage(id string, profiles ...mparticle.UserProfile) *mparticle.AudienceMembershipChangeRequest {
	return &mparticle.AudienceMembershipChangeRequest{
		Type:         mparticle.MessageAudienceMembershipChangeRequest,
		ID:           id,
		Account:      &mparticle.Account{AccountID: 1},
		UserProfiles: profiles,
	}
}

// customerProfile is a profile with a raw customer id and the given changes.
func customerProfile(customerID string, audiences ...mparticle.Audience) mparticle.UserProfile {
	return mparticle.UserProfile{
		MPID:           "mpid-" + customerID,
		UserIdentities: []mparticle.Identity{{Type: mparticle.UserIdentityCustomer, Encoding: mparticle.EncodingRaw, Value: customerID}},
		Audiences:      audiences,
	}
}

func join(id int64, name string) mparticle.Audience {
	return mparticle.Audience{AudienceID: id, AudienceName: name, Action: mparticle.AudienceAdd}
}

func leave(id int64, name string) mparticle.Audience {
	return mparticle.Audience{AudienceID: id, AudienceName: name, Action: mparticle.AudienceDelete}
}

func customJSON(t *testing.T, a braze.Attributes) map[string]any {
	t.Helper()
	b, err := json.Marshal(a)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestNewAudienceMapperValidates(t *testing.T) {
	_, err := NewAudienceMapper(AudienceSettings{ExternalIdentityType: "customerid"}, nil)
	var se *SettingsError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "AudienceSettings.ExternalIdentityType", se.Field)
	assert.Equal(t, "customerid", se.Value)

	am, err := NewAudienceMapper(AudienceSettings{}, nil)
	require.NoError(t, err)
	assert.Equal(t, SegmentsAsString, am.Settings().SendSegmentsAs)
	assert.IsType(t, &MemoryMembershipStore{}, am.Store())
}

func TestAudienceMapNil(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{}, nil)
	require.NoError(t, err)
	_, err = am.Map(context.Background(), nil)
	require.Error(t, err)
}

// failingStore fails every call, to check that store errors stop the message.
type failingStore struct{ err error }

func (f failingStore) Apply(context.Context, string, []int64, []int64) ([]int64, error) {
	return nil, f.err
}
func (f failingStore) Members(context.Context, int64) ([]string, error) { return nil, f.err }

func TestAudienceMapStoreError(t *testing.T) {
	boom := errors.New("store down")
	am, err := NewAudienceMapper(AudienceSettings{Store: failingStore{boom}}, nil)
	require.NoError(t, err)
	_, err = am.Map(context.Background(), audienceMessage("m", customerProfile("c-1", join(1, "One"))))
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "user_profiles[0]")

	_, err = am.ClearAudience(context.Background(), 1, "One")
	require.ErrorIs(t, err, boom)
}

func TestAudienceMapCanceled(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{}, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = am.Map(ctx, audienceMessage("m", customerProfile("c-1", join(1, "One"))))
	require.ErrorIs(t, err, context.Canceled)
}

func TestClearAudienceNeedsNameForPerSegment(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{SendSegmentsAs: SegmentsPerAttribute}, nil)
	require.NoError(t, err)
	_, err = am.ClearAudience(context.Background(), 1, " ")
	require.ErrorContains(t, err, "name")

	am, err = NewAudienceMapper(AudienceSettings{SendSegmentsAs: SegmentsAsArray}, nil)
	require.NoError(t, err)
	res, err := am.ClearAudience(context.Background(), 1, "")
	require.NoError(t, err)
	assert.Empty(t, res.Attributes)
}

// The 255-character limit is an error for that user, never a cut value.
func TestSegmentMembershipTooLong(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{}, nil)
	require.NoError(t, err)
	var auds []mparticle.Audience
	// 32 ids of 7 digits plus 31 commas = 255 characters: exactly at the limit.
	for i := range 32 {
		auds = append(auds, join(int64(1000000+i), fmt.Sprint("A", i)))
	}
	res, err := am.Map(context.Background(), audienceMessage("m", customerProfile("c-1", auds...)))
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	require.Len(t, res.Attributes, 1)
	v, ok := propMap(res.Attributes[0].Custom)[SegmentMembershipAttribute].Str()
	require.True(t, ok)
	assert.Len(t, v, 255)

	// One more audience: 263 characters, reported, not sent.
	res, err = am.Map(context.Background(), audienceMessage("m2", customerProfile("c-1", join(1000032, "A32"))))
	require.NoError(t, err)
	require.Len(t, res.Errors, 1)
	assert.ErrorIs(t, res.Errors[0], ErrSegmentMembershipTooLong)
	var tooLong *SegmentMembershipTooLongError
	require.ErrorAs(t, res.Errors[0], &tooLong)
	assert.Equal(t, SegmentMembershipTooLongError{ExternalID: "c-1", Length: 263, Audiences: 33}, *tooLong)
	var ue *AudienceUserError
	require.ErrorAs(t, res.Errors[0], &ue)
	assert.Equal(t, 0, ue.ProfileIndex)
	assert.Empty(t, res.Attributes, "nothing else to send for that user")
	require.Len(t, res.Diagnostics, 1)
	assert.Equal(t, SegmentMembershipTooLong, res.Diagnostics[0].Code)

	// The store still holds the truth: leaving two audiences fits again.
	res, err = am.Map(context.Background(), audienceMessage("m3", customerProfile("c-1", leave(1000000, "A0"), leave(1000001, "A1"))))
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	v, _ = propMap(res.Attributes[0].Custom)[SegmentMembershipAttribute].Str()
	assert.Len(t, v, 247)
	assert.True(t, strings.HasPrefix(v, "1000002,"))
	assert.True(t, strings.HasSuffix(v, ",1000032"))
}

// Messages mapped concurrently for different users keep each user's set.
func TestAudienceMapConcurrent(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{SendSegmentsAs: SegmentsAsString | SegmentsAsArray}, nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for u := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range 20 {
				_, err := am.Map(context.Background(), audienceMessage("m", customerProfile(fmt.Sprint("c-", u), join(int64(a), "A"))))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	for u := range 8 {
		res, err := am.Map(context.Background(), audienceMessage("m", customerProfile(fmt.Sprint("c-", u), leave(0, "A"))))
		require.NoError(t, err)
		m := customJSON(t, res.Attributes[0])
		assert.Equal(t, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19", m[SegmentMembershipAttribute])
	}
}

// Many audiences in one profile, with repeats: the last action per audience
// wins whether collect scans or indexes.
func TestAudienceManyChangesLastWins(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{SendSegmentsAs: SegmentsAsString | SegmentsAsArray | SegmentsPerAttribute}, nil)
	require.NoError(t, err)
	var auds []mparticle.Audience
	for i := range 30 {
		auds = append(auds, join(int64(i), fmt.Sprint("A", i)))
	}
	for i := 0; i < 30; i += 2 {
		auds = append(auds, leave(int64(i), "")) // no name: the earlier one is kept
	}
	auds = append(auds, join(4, "A4 renamed"))
	res, err := am.Map(context.Background(), audienceMessage("m", customerProfile("c", auds...)))
	require.NoError(t, err)
	require.Len(t, res.Attributes, 1)
	m := customJSON(t, res.Attributes[0])
	assert.Equal(t, "1,3,4,5,7,9,11,13,15,17,19,21,23,25,27,29", m[SegmentMembershipAttribute])
	arr := m[SegmentMembershipArrayAttribute].(map[string]any)
	assert.Len(t, arr["add"], 16)
	assert.Len(t, arr["remove"], 14)
	assert.Equal(t, false, m["In A0"])
	assert.Equal(t, true, m["In A1"])
	assert.Equal(t, true, m["In A4 renamed"])
	assert.NotContains(t, m, "In A4")
}

func TestAudienceApplyDelivers(t *testing.T) {
	am, err := NewAudienceMapper(AudienceSettings{}, nil)
	require.NoError(t, err)
	ctx := context.Background()
	var got []AudienceResult
	deliver := func(r AudienceResult) error { got = append(got, r); return nil }
	res, err := am.Apply(ctx, audienceMessage("m", customerProfile("c", join(1, "One"))), deliver)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, res.Attributes, got[0].Attributes)

	boom := errors.New("queue full")
	_, err = am.ApplyClear(ctx, 1, "One", func(AudienceResult) error { return boom })
	require.ErrorIs(t, err, boom)

	// Not called when mapping fails.
	called := false
	_, err = am.Apply(ctx, nil, func(AudienceResult) error { called = true; return nil })
	require.Error(t, err)
	assert.False(t, called)
	_, err = am.ApplyClear(ctx, 1, "", func(AudienceResult) error { called = true; return nil })
	require.NoError(t, err, "no member left, name not needed for the string form")
	assert.True(t, called)
}
