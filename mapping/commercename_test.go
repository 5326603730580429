package mapping

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
)

// TestCommerceActionIndex holds commerceActionIndex to a scan of
// commerceActions, and commerceName to the string it stands for (prebuilt
// or built), for every known action, every suffix, and actions it does
// not know.
//
// The table and the switch are two lists of the same actions: every entry
// of the table is held to the case that returns its own index, the table
// to hold each action once, and the switch (read from commerce.go) to
// have as many single-value cases as the table has entries, returning
// 0, 1, 2, ... in order, so that no case can name an action the table
// lacks.
func TestCommerceActionIndex(t *testing.T) {
	for i, a := range commerceActions {
		require.Equal(t, i, slices.Index(commerceActions[:], a), "%q is in commerceActions twice", a)
		require.Equal(t, i, commerceActionIndex(a), a)
	}
	others := []string{"", "unknown", "Click", "click ", "add_to_cart\x00", "remove_from_wishlis", "views", "view", "refund2", "Purchase"}
	for _, a := range others {
		require.Equal(t, slices.Index(commerceActions[:], a), commerceActionIndex(a), "%q", a)
	}
	for _, a := range append(commerceActions[:], others...) {
		for _, suffix := range []string{"", itemSuffix, totalSuffix, " - Other"} {
			require.Equal(t, "eCommerce - "+a+suffix, commerceName(a, suffix), "%q %q", a, suffix)
		}
	}
	require.Equal(t, "eCommerce - purchase - Total", commerceName(string(mparticle.ActionPurchase), totalSuffix))
	// Every action mParticle names has its Braze event name in the table.
	for _, a := range []mparticle.ProductActionType{
		mparticle.ActionAddToCart, mparticle.ActionRemoveFromCart, mparticle.ActionCheckout,
		mparticle.ActionCheckoutOption, mparticle.ActionClick, mparticle.ActionViewDetail,
		mparticle.ActionPurchase, mparticle.ActionRefund, mparticle.ActionAddToWishlist,
		mparticle.ActionRemoveFromWishlist,
	} {
		require.True(t, knownAction(a), a)
		require.GreaterOrEqual(t, commerceActionIndex(commerceAction(a)), 0, a)
	}
	for _, a := range []mparticle.PromotionActionType{mparticle.PromotionView, mparticle.PromotionClick, ""} {
		require.GreaterOrEqual(t, commerceActionIndex(promotionAction(a)), 0, a)
	}

	// The switch's cases, from the source.
	f, err := parser.ParseFile(token.NewFileSet(), "commerce.go", nil, 0)
	require.NoError(t, err)
	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "commerceActionIndex" {
			fn = fd
		}
	}
	require.NotNil(t, fn, "commerceActionIndex not found in commerce.go")
	var sw *ast.SwitchStmt
	for _, st := range fn.Body.List {
		if s, ok := st.(*ast.SwitchStmt); ok {
			sw = s
		}
	}
	require.NotNil(t, sw, "commerceActionIndex has no switch")
	require.Len(t, sw.Body.List, len(commerceActions), "cases of commerceActionIndex")
	for i, st := range sw.Body.List {
		cc := st.(*ast.CaseClause)
		require.Len(t, cc.List, 1, "case %d of commerceActionIndex: one value per case", i)
		require.Len(t, cc.Body, 1, "case %d of commerceActionIndex", i)
		ret, ok := cc.Body[0].(*ast.ReturnStmt)
		require.True(t, ok, "case %d of commerceActionIndex returns", i)
		lit, ok := ret.Results[0].(*ast.BasicLit)
		require.True(t, ok, "case %d of commerceActionIndex returns a literal", i)
		require.Equal(t, strconv.Itoa(i), lit.Value, "case %d of commerceActionIndex", i)
	}
}
