package mapping

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCommerceActionIndex holds commerceActionIndex to a scan of
// commerceActions (the first index of each action), and commerceName to
// the string it stands for, for every known action, every suffix, and
// actions it does not know.
func TestCommerceActionIndex(t *testing.T) {
	for _, a := range commerceActions {
		require.Equal(t, slices.Index(commerceActions[:], a), commerceActionIndex(a), a)
	}
	others := []string{"", "unknown", "Click", "click ", "add_to_cart\x00", "remove_from_wishlis", "views", "view"}
	for _, a := range others {
		require.Equal(t, slices.Index(commerceActions[:], a), commerceActionIndex(a), "%q", a)
	}
	for _, a := range append(commerceActions[:], others...) {
		for _, suffix := range []string{"", itemSuffix, totalSuffix, " - Other"} {
			require.Equal(t, "eCommerce - "+a+suffix, commerceName(a, suffix), "%q %q", a, suffix)
		}
	}
}
