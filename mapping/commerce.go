package mapping

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/internal/formats"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Braze caps a purchase's quantity at 100.
const maxPurchaseQuantity = 100

// maxSplitQuantity bounds splitting: above it a purchase is sent as
// quantity 1 at price × quantity instead of thousands of purchases.
const maxSplitQuantity = 100 * maxPurchaseQuantity

// Commerce property keys (Android kit names).
const (
	keyTransactionID      = "Transaction Id"
	keyAffiliation        = "Affiliation"
	keyCouponCode         = "Coupon Code"
	keyTotalAmount        = "Total Amount"
	keyShippingAmount     = "Shipping Amount"
	keyTaxAmount          = "Tax Amount"
	keyCheckoutOptions    = "Checkout Options"
	keyCheckoutStep       = "Checkout Step"
	keyProductListSource  = "Product List Source"
	keyProductActionList  = "Product Action List"
	keyCurrencyCode       = "Currency Code"
	keyID                 = "Id"
	keyName               = "Name"
	keyBrand              = "Brand"
	keyCategory           = "Category"
	keyVariant            = "Variant"
	keyPosition           = "Position"
	keyItemPrice          = "Item Price"
	keyQuantity           = "Quantity"
	keyTotalProductAmount = "Total Product Amount"
	keyCreative           = "Creative"
	keyImpressionList     = "Product Impression List"
	keyAttributes         = "Attributes"
	keyProducts           = "products"
	keyPromotions         = "promotions"
	keyImpressions        = "impressions"
)

// commerceAction is the action name used in Braze event names; mParticle's
// "remove_from_wish_list" is spelled like the other wishlist action.
func commerceAction(a mparticle.ProductActionType) string {
	if a == mparticle.ActionRemoveFromWishlist {
		return "remove_from_wishlist"
	}
	return string(a)
}

// knownAction reports whether a is one of the product actions of the
// mapping rules (remove_from_wishlist also in the Braze event spelling).
// Others, and a missing action, name no Braze event.
func knownAction(a mparticle.ProductActionType) bool {
	switch a {
	case mparticle.ActionAddToCart, mparticle.ActionRemoveFromCart,
		mparticle.ActionAddToWishlist, mparticle.ActionRemoveFromWishlist, "remove_from_wishlist",
		mparticle.ActionCheckout, mparticle.ActionCheckoutOption, mparticle.ActionClick,
		mparticle.ActionViewDetail, mparticle.ActionPurchase, mparticle.ActionRefund:
		return true
	}
	return false
}

func promotionAction(a mparticle.PromotionActionType) string {
	if a == "" {
		return string(mparticle.PromotionView)
	}
	return string(a)
}

// commerceEvent maps a commerce event in the bundled or expanded mode.
func (st *mapState) commerceEvent(d *mparticle.CommerceEvent) {
	unknown := d.ProductAction != nil && !knownAction(d.ProductAction.Action)
	if unknown {
		// Copies: the batch is not modified.
		dd, a := *d, d.ProductAction.Action
		st.evName = string(mparticle.EventCommerce)
		if canon := mparticle.ProductActionType(strings.ToLower(strings.TrimSpace(string(a)))); knownAction(canon) {
			// "Purchase" is a purchase: its revenue is not dropped over
			// spelling.
			st.diag(ValueChanged, "product_action.action", "product action read as "+strconv.Quote(string(canon)), string(a))
			pa := *d.ProductAction
			pa.Action, dd.ProductAction = canon, &pa
			unknown = false
		} else {
			// Skipped and counted, like other event types Braze has no
			// name for; the event's promotions and impressions are still
			// mapped.
			reason := "unknown product action " + strconv.Quote(string(a))
			if a == "" {
				reason = "product action without an action"
			}
			st.diag(EventSkipped, "product_action.action", reason+"; the product action is not forwarded", "")
			dd.ProductAction = nil
		}
		d = &dd
	}
	st.evName = commerceLabel(d)
	if d.ProductAction == nil && !hasPromotions(d) && !hasImpressionProducts(d) {
		if !unknown {
			st.diag(EventSkipped, "", "commerce event without a product action, promotions or impressions", "")
		}
		return
	}
	if st.m.s.BundleCommerceEventData {
		st.bundledCommerce(d)
		return
	}
	if pa := d.ProductAction; pa != nil {
		if pa.Action == mparticle.ActionPurchase && len(pa.Products) > 0 {
			st.purchases(d, pa)
		} else {
			st.productActionEvents(d, pa)
		}
	}
	if pr := d.PromotionAction; pr != nil {
		st.promotionEvents(d, pr)
	}
	st.impressionEvents(d)
}

func hasPromotions(d *mparticle.CommerceEvent) bool {
	return d.PromotionAction != nil && len(d.PromotionAction.Promotions) > 0
}

func hasImpressionProducts(d *mparticle.CommerceEvent) bool {
	for _, imp := range d.ProductImpressions {
		if len(imp.Products) > 0 {
			return true
		}
	}
	return false
}

// Suffixes of the expanded commerce event names.
const (
	itemSuffix  = " - Item"
	totalSuffix = " - Total"
)

// commerceActions are the known product and promotion actions, as named
// in Braze event names, each once (mparticle.PromotionClick is "click",
// the entry of mparticle.ActionClick); commerceNames[i] holds
// "eCommerce - " + commerceActions[i] + each suffix ("", itemSuffix,
// totalSuffix), so that naming an event does not build the same string
// again for each one. commerceActionIndex is a switch over the same
// entries in the same order; TestCommerceActionIndex fails if the two
// differ. Read-only.
var (
	commerceActions = [...]string{
		string(mparticle.ActionAddToCart), string(mparticle.ActionRemoveFromCart),
		string(mparticle.ActionAddToWishlist), "remove_from_wishlist",
		string(mparticle.ActionCheckout), string(mparticle.ActionCheckoutOption),
		string(mparticle.ActionClick), string(mparticle.ActionViewDetail),
		string(mparticle.ActionPurchase), string(mparticle.ActionRefund),
		string(mparticle.PromotionView),
	}
	commerceNames = func() (names [len(commerceActions)][3]string) {
		for i, a := range commerceActions {
			for j, suffix := range [3]string{"", itemSuffix, totalSuffix} {
				names[i][j] = "eCommerce - " + a + suffix
			}
		}
		return names
	}()
)

// commerceName returns "eCommerce - " + action + suffix.
func commerceName(action, suffix string) string {
	j := -1
	switch suffix {
	case "":
		j = 0
	case itemSuffix:
		j = 1
	case totalSuffix:
		j = 2
	}
	if i := commerceActionIndex(action); j >= 0 && i >= 0 {
		return commerceNames[i][j]
	}
	return "eCommerce - " + action + suffix
}

// commerceActionIndex returns the index of action in commerceActions, or
// -1. Its cases are the entries of commerceActions, in order (held so by
// TestCommerceActionIndex). A switch on constants compiles to a search by
// length and content; the scan of commerceActions it replaces compared
// strings one by one, for every commerce event and every object one
// expands to.
func commerceActionIndex(action string) int {
	switch action {
	case string(mparticle.ActionAddToCart):
		return 0
	case string(mparticle.ActionRemoveFromCart):
		return 1
	case string(mparticle.ActionAddToWishlist):
		return 2
	case "remove_from_wishlist":
		return 3
	case string(mparticle.ActionCheckout):
		return 4
	case string(mparticle.ActionCheckoutOption):
		return 5
	case string(mparticle.ActionClick):
		return 6
	case string(mparticle.ActionViewDetail):
		return 7
	case string(mparticle.ActionPurchase):
		return 8
	case string(mparticle.ActionRefund):
		return 9
	case string(mparticle.PromotionView):
		return 10
	}
	return -1
}

// commerceLabel names a commerce event for diagnostics.
func commerceLabel(d *mparticle.CommerceEvent) string {
	switch {
	case d.ProductAction != nil:
		return commerceName(commerceAction(d.ProductAction.Action), "")
	case hasPromotions(d):
		return commerceName(promotionAction(d.PromotionAction.Action), "")
	case hasImpressionProducts(d):
		return "eCommerce - Impression"
	}
	return string(mparticle.EventCommerce)
}

// currency is the event's currency, else DefaultCurrency.
func (st *mapState) currency(code string) string {
	if formats.IsCurrencyCode(code) {
		return code // the usual case: nothing to trim or upper-case
	}
	c := strings.TrimSpace(code)
	if c == "" {
		return st.m.s.DefaultCurrency
	}
	up := strings.ToUpper(c)
	if !formats.IsCurrencyCode(up) {
		st.diag(ValueChanged, "currency_code", "not an ISO 4217 code; "+st.m.s.DefaultCurrency+" used", code)
		return st.m.s.DefaultCurrency
	}
	if up != code {
		st.diag(ValueChanged, "currency_code", "currency code upper-cased", code)
	}
	return up
}

// str sets a string field unless empty.
func (p *props) str(key, s string) {
	if s != "" {
		p.setOwn(key, p.st.stringValue(key, s, false))
	}
}

// num sets a number field when present.
func (p *props) num(key string, o mparticle.Optional[float64]) {
	if f, ok := o.Get(); ok {
		p.setOwn(key, floatValue(f))
	}
}

// floatValue keeps whole numbers integral, so 2 stays 2 rather than 2.0.
func floatValue(f float64) braze.Value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return braze.Int(int64(f))
	}
	return braze.Float(f)
}

// transactionProps adds the order-level fields of a product action.
func (p *props) transactionProps(pa *mparticle.ProductAction, total mparticle.Optional[float64]) {
	p.str(keyTransactionID, pa.TransactionID)
	p.str(keyAffiliation, pa.Affiliation)
	p.str(keyCouponCode, pa.CouponCode)
	p.num(keyTotalAmount, total)
	p.num(keyShippingAmount, pa.ShippingAmount)
	p.num(keyTaxAmount, pa.TaxAmount)
	p.str(keyCheckoutOptions, pa.CheckoutOptions)
	if n, ok := pa.CheckoutStep.Get(); ok {
		p.setOwn(keyCheckoutStep, braze.Int(n))
	}
	p.str(keyProductListSource, pa.ProductListSource)
	p.str(keyProductActionList, pa.ProductActionList)
}

// orderTotal is the action's total amount, or (as mParticle's Android SDK
// fills it) the sum of price × quantity plus shipping and tax.
func orderTotal(pa *mparticle.ProductAction) mparticle.Optional[float64] {
	if _, ok := pa.TotalAmount.Get(); ok || len(pa.Products) == 0 {
		return pa.TotalAmount
	}
	sum := 0.0
	for i := range pa.Products {
		price, _ := pa.Products[i].Price.Get()
		sum += price * quantityOf(&pa.Products[i])
	}
	sum += pa.ShippingAmount.Or(0) + pa.TaxAmount.Or(0)
	return mparticle.Set(sum)
}

// quantityOf is the product quantity; mParticle assumes 1 when absent.
func quantityOf(pr *mparticle.Product) float64 {
	if q, ok := pr.Quantity.Get(); ok {
		return q
	}
	return 1
}

// productFields adds a product's fields; item adds the per-item fields of
// expanded events (Id, Item Price, Quantity, Total Product Amount) that
// purchases do not carry.
func (p *props) productFields(pr *mparticle.Product, item bool) {
	if item {
		p.str(keyID, pr.ID)
	}
	p.str(keyName, pr.Name)
	p.str(keyBrand, pr.Brand)
	p.str(keyCategory, pr.Category)
	p.str(keyVariant, pr.Variant)
	if n, ok := pr.Position.Get(); ok {
		p.setOwn(keyPosition, braze.Int(n))
	}
	p.str(keyCouponCode, pr.CouponCode)
	if !item {
		return
	}
	p.num(keyItemPrice, pr.Price)
	q := quantityOf(pr)
	p.setOwn(keyQuantity, floatValue(q))
	if t, ok := pr.TotalProductAmount.Get(); ok {
		p.setOwn(keyTotalProductAmount, floatValue(t))
	} else if price, ok := pr.Price.Get(); ok {
		p.setOwn(keyTotalProductAmount, floatValue(price*q))
	}
}

// commerceFields are the sources of the mapper's own fields of one
// expanded commerce object (see setCommerce).
type commerceFields struct {
	// pa gives the order-level fields (transactionProps), with total as
	// its Total Amount; nil for none.
	pa    *mparticle.ProductAction
	total mparticle.Optional[float64]
	// pr gives a product's fields (productFields), with the per-item ones
	// when item is set; nil for none.
	pr   *mparticle.Product
	item bool
	// currency is the Currency Code of a "- Total" event, impressionList
	// the Product Impression List of an impression ("" for none).
	currency, impressionList string
	// counted is count(), when the caller has it already (0: count).
	counted int
}

// hasLong reports whether a text field of f may be cut to 255 characters,
// which reports a diagnostic.
func (f *commerceFields) hasLong() bool {
	long := len(f.currency) > maxLen || len(f.impressionList) > maxLen
	if pa := f.pa; pa != nil {
		long = long || len(pa.TransactionID) > maxLen || len(pa.Affiliation) > maxLen || len(pa.CouponCode) > maxLen ||
			len(pa.CheckoutOptions) > maxLen || len(pa.ProductListSource) > maxLen || len(pa.ProductActionList) > maxLen
	}
	if pr := f.pr; pr != nil {
		long = long || len(pr.ID) > maxLen || len(pr.Name) > maxLen || len(pr.Brand) > maxLen ||
			len(pr.Category) > maxLen || len(pr.Variant) > maxLen || len(pr.CouponCode) > maxLen
	}
	return long
}

// setCommerce sets the fields of f: what impressionList, transactionProps
// (with currency) and productFields set, in that order, would. It sets
// them in key order, so that the list needs no sorting unless custom
// attributes come out of order after them.
//
// Only a text field of more than 255 characters reports something (it is
// cut), and diagnostics must come in the order the fields are set: then
// they are set in that order instead.
func (p *props) setCommerce(f *commerceFields) {
	if f.hasLong() || p.st.m.sortedOnly { // the reference sets them in the order above
		p.setCommerceInOrder(f)
		return
	}
	// No text is cut: stringValue(key, s, false) is braze.String(s).
	// The fields below come in key order (TestSetCommerceMatchesInOrder
	// checks it), each appended in room made for all of them first.
	n0 := p.reserveOwn(f.count())
	pa, pr := f.pa, f.pr
	item := pr != nil && f.item
	if pa != nil {
		p.ownStr(keyAffiliation, pa.Affiliation)
	}
	if pr != nil {
		p.ownStr(keyBrand, pr.Brand)
		p.ownStr(keyCategory, pr.Category)
	}
	coupon := ""
	if pa != nil {
		p.ownStr(keyCheckoutOptions, pa.CheckoutOptions)
		if n, ok := pa.CheckoutStep.Get(); ok {
			*p.ownSlot(keyCheckoutStep) = braze.Int(n)
		}
		coupon = pa.CouponCode
	}
	if pr != nil && pr.CouponCode != "" {
		coupon = pr.CouponCode // a product's Coupon Code replaces the order's
	}
	p.ownStr(keyCouponCode, coupon)
	p.ownStr(keyCurrencyCode, f.currency)
	if item {
		p.ownStr(keyID, pr.ID)
		p.ownNum(keyItemPrice, pr.Price)
	}
	if pr != nil {
		p.ownStr(keyName, pr.Name)
		if n, ok := pr.Position.Get(); ok {
			*p.ownSlot(keyPosition) = braze.Int(n)
		}
	}
	if pa != nil {
		p.ownStr(keyProductActionList, pa.ProductActionList)
	}
	p.ownStr(keyImpressionList, f.impressionList)
	if pa != nil {
		p.ownStr(keyProductListSource, pa.ProductListSource)
	}
	var q float64
	if item {
		q = quantityOf(pr)
		p.ownFloat(keyQuantity, q)
	}
	if pa != nil {
		p.ownNum(keyShippingAmount, pa.ShippingAmount)
		p.ownNum(keyTaxAmount, pa.TaxAmount)
		p.ownNum(keyTotalAmount, f.total)
	}
	if item {
		if t, ok := pr.TotalProductAmount.Get(); ok {
			p.ownFloat(keyTotalProductAmount, t)
		} else if price, ok := pr.Price.Get(); ok {
			p.ownFloat(keyTotalProductAmount, price*q)
		}
	}
	if pa != nil {
		p.ownStr(keyTransactionID, pa.TransactionID)
	}
	if pr != nil {
		p.ownStr(keyVariant, pr.Variant)
	}
	p.ownDone(n0)
}

// count is how many fields setCommerce sets for f, or one more: what
// transactionCount and productCount count (with both the order's and a
// product's Coupon Code, of which one is set) and the Currency Code and
// Product Impression List.
func (f *commerceFields) count() int {
	if f.counted > 0 {
		return f.counted
	}
	n := filled(f.currency) + filled(f.impressionList)
	if f.pa != nil {
		n += transactionCount(f.pa, f.total)
	}
	if f.pr != nil {
		n += productCount(f.pr, f.item)
	}
	return n
}

// setCommerceInOrder sets the fields of f in the order setCommerce
// describes.
func (p *props) setCommerceInOrder(f *commerceFields) {
	p.str(keyImpressionList, f.impressionList)
	if f.pa != nil {
		p.transactionProps(f.pa, f.total)
	}
	p.str(keyCurrencyCode, f.currency)
	if f.pr != nil {
		p.productFields(f.pr, f.item)
	}
}

// setPromotion sets what promotionFields sets, in key order (see
// setCommerce).
func (p *props) setPromotion(pm *mparticle.Promotion) {
	if len(pm.ID) > maxLen || len(pm.Name) > maxLen || len(pm.Creative) > maxLen || len(pm.Position) > maxLen || p.st.m.sortedOnly {
		p.promotionFields(pm)
		return
	}
	n0 := p.reserveOwn(promotionCount(pm))
	p.ownStr(keyCreative, pm.Creative)
	p.ownStr(keyID, pm.ID)
	p.ownStr(keyName, pm.Name)
	p.ownStr(keyPosition, pm.Position)
	p.ownDone(n0)
}

// reserveOwn makes room for n more entries in p's list, for fields of
// the mapper's own that ownSlot appends in key order and under keys in no
// entry, ended by ownDone; it returns the list's length, for ownDone.
// Nothing else may touch p in between. (The room made ahead lets
// ownSlot inline: through slot, each field took a call that also checked
// the list's room, order and index.)
func (p *props) reserveOwn(n int) int {
	if cap(p.out)-len(p.out) < n {
		p.growOwn(n)
	}
	return len(p.out)
}

// growOwn is reserveOwn's growth: p's first list, made with room for
// the larger of its hint and n, or a larger one.
func (p *props) growOwn(n int) {
	if p.out == nil {
		p.hint = max(p.hint, n)
		p.grow()
	}
	if cap(p.out)-len(p.out) < n {
		p.out = slices.Grow(p.out, n)
	}
}

// ownSlot appends an entry for key into the room reserveOwn made and
// returns its value for the caller to set, as slot does.
func (p *props) ownSlot(key string) *braze.Value {
	// An append, not a reslice: with the count reserveOwn was given it
	// never grows, and a count that fell short (a field added to
	// setCommerce, not to count) costs a growth, not a panic on a user's
	// batch.
	p.out = append(p.out, braze.Property{Key: key})
	return &p.out[len(p.out)-1].Value
}

// ownDone ends the fields reserveOwn made room for, noting their order
// and indexing them as slot would have one by one. n0 is the length of
// the list before them: they sort among themselves, so the list is out of
// order only if the first of them does not sort after the entry before.
func (p *props) ownDone(n0 int) {
	n := len(p.out)
	if n0 > 0 && n > n0 && !p.unsorted && !keyLess(p.out[n0-1].Key, p.out[n0].Key) {
		p.unsorted, p.sortedLen = true, n0
	}
	switch {
	case p.idx != nil:
		for i := n0; i < n; i++ {
			p.idx[p.out[i].Key] = i
		}
	case n > linearProps:
		p.reindex()
	}
}

// ownStr sets a text field of at most 255 bytes unless it is empty, as str
// does, in room reserveOwn made.
func (p *props) ownStr(key, s string) {
	if s != "" {
		*p.ownSlot(key) = braze.String(s)
	}
}

// ownNum sets a number field when present, as num does.
func (p *props) ownNum(key string, o mparticle.Optional[float64]) {
	if f, ok := o.Get(); ok {
		p.ownFloat(key, f)
	}
}

// ownFloat sets floatValue(f), in room reserveOwn made.
func (p *props) ownFloat(key string, f float64) {
	v := p.ownSlot(key)
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		*v = braze.Int(int64(f))
	} else {
		*v = braze.Float(f)
	}
}

// transactionCount is how many properties transactionProps sets, so that
// a list is made with room for them.
func transactionCount(pa *mparticle.ProductAction, total mparticle.Optional[float64]) int {
	return filled(pa.TransactionID) + filled(pa.Affiliation) + filled(pa.CouponCode) + filled(pa.CheckoutOptions) +
		filled(pa.ProductListSource) + filled(pa.ProductActionList) +
		present(total) + present(pa.ShippingAmount) + present(pa.TaxAmount) + present(pa.CheckoutStep)
}

// productCount is how many properties productFields sets, at most (a
// product's Coupon Code may replace the order's).
func productCount(pr *mparticle.Product, item bool) int {
	n := filled(pr.Name) + filled(pr.Brand) + filled(pr.Category) + filled(pr.Variant) + filled(pr.CouponCode) + present(pr.Position)
	if item {
		n += filled(pr.ID) + present(pr.Price) + 1 // Quantity
		if present(pr.TotalProductAmount) == 1 || present(pr.Price) == 1 {
			n++ // Total Product Amount
		}
	}
	return n
}

// promotionCount is how many properties promotionFields sets.
func promotionCount(pm *mparticle.Promotion) int {
	return filled(pm.ID) + filled(pm.Name) + filled(pm.Creative) + filled(pm.Position)
}

// filled is 1 for a string that is not "", else 0. The counts above add
// these up: a few instructions each, where counting through a variadic
// function first stored every string in a slice on the stack and then
// looped over it.
func filled(s string) int {
	if s != "" {
		return 1
	}
	return 0
}

// present is 1 when o is set, else 0.
func present[T any](o mparticle.Optional[T]) int {
	if o.IsSet() {
		return 1
	}
	return 0
}

// cloneProps returns a copy of ps for another object of the result.
func (st *mapState) cloneProps(ps braze.Properties) braze.Properties {
	return append(st.propsList(len(ps)), ps...)
}

// addPurchase appends a purchase to the result.
func (st *mapState) addPurchase(p braze.Purchase) {
	*st.appendPurchase() = p
}

// appendPurchase appends a zero purchase to the result (see appendZeroed)
// and returns it, for the caller to set up in place.
func (st *mapState) appendPurchase() *braze.Purchase {
	if st.res.Purchases == nil {
		st.res.Purchases = make([]braze.Purchase, 0, max(st.est.purchases, 1))
	}
	var pu *braze.Purchase
	st.res.Purchases, pu = appendZeroed(st.res.Purchases)
	return pu
}

// purchases emits one Braze purchase per product.
func (st *mapState) purchases(d *mparticle.CommerceEvent, pa *mparticle.ProductAction) {
	currency := st.currency(d.CurrencyCode)
	total := orderTotal(pa)
	at := st.evTime
	for i := range pa.Products {
		pr := &pa.Products[i]
		pid := st.productID(i, pr)
		if pid == "" {
			continue
		}
		own := transactionCount(pa, total) + productCount(pr, false)
		p := st.newProps(own + len(pr.CustomAttributes) + len(d.CustomAttributes))
		p.setCommerce(&commerceFields{pa: pa, total: total, pr: pr, counted: own})
		p.addCustom(pr.CustomAttributes)
		p.addCustom(d.CustomAttributes)
		if p.rejected {
			p.release()
			continue
		}
		price, ok := pr.Price.Get()
		if !ok {
			st.diag(ValueChanged, productKey(i, "price"), "product without a price; 0 used", "")
		}
		q := quantityOf(pr)
		if q > 0 && q == math.Trunc(q) && q <= maxPurchaseQuantity {
			// The usual quantity (the switch's default case below): one
			// purchase, set up in place in the result's zeroed room, as
			// emitEvent sets up an event, instead of built and copied in
			// twice (a call's argument, then append's element).
			pu := st.appendPurchase()
			pu.Identifier, pu.ProductID, pu.Currency, pu.Price, pu.Quantity = st.res.Identifier, pid, currency, price, int(q)
			pu.Time, pu.Properties, pu.UpdateExistingOnly = at, p.finish(), st.ueo
			continue
		}
		base := braze.Purchase{
			Identifier: st.res.Identifier, ProductID: pid, Currency: currency, Price: price,
			Time: at, Properties: p.finish(), UpdateExistingOnly: st.ueo,
		}
		switch {
		case math.IsNaN(q) || math.IsInf(q, 0) || q <= 0:
			st.diag(Dropped, productKey(i, "quantity"), "quantity is not positive; no purchase recorded", strconv.FormatFloat(q, 'g', -1, 64))
		case q != math.Trunc(q):
			st.diag(ValueChanged, productKey(i, "quantity"), "fractional quantity sent as quantity 1 at price × quantity", strconv.FormatFloat(q, 'g', -1, 64))
			base.Price, base.Quantity = price*q, 1
			st.addPurchase(base)
		case q > maxSplitQuantity:
			st.diag(ValueChanged, productKey(i, "quantity"), "quantity above "+strconv.Itoa(maxSplitQuantity)+" sent as quantity 1 at price × quantity", strconv.FormatFloat(q, 'f', -1, 64))
			base.Price, base.Quantity = price*q, 1
			st.addPurchase(base)
		case q > maxPurchaseQuantity:
			n := int(q)
			st.diag(Split, productKey(i, "quantity"), "quantity above Braze's 100 split into "+strconv.Itoa((n+maxPurchaseQuantity-1)/maxPurchaseQuantity)+" purchases", strconv.Itoa(n))
			for left := n; left > 0; left -= maxPurchaseQuantity {
				part := base
				part.Quantity = min(left, maxPurchaseQuantity)
				if left != n {
					part.Properties = st.cloneProps(base.Properties)
				}
				st.addPurchase(part)
			}
		default:
			base.Quantity = int(q)
			st.addPurchase(base)
		}
	}
}

// productID is the SKU, or the name with ReplaceSkuWithProductName; the
// other one is used, reported, when the chosen one is empty.
func (st *mapState) productID(i int, pr *mparticle.Product) string {
	want, other, wantName := pr.ID, pr.Name, "id"
	if st.m.s.ReplaceSkuWithProductName {
		want, other, wantName = pr.Name, pr.ID, "name"
	}
	id := want
	if isBlank(id) {
		if isBlank(other) {
			st.diag(Dropped, productKey(i, wantName), "product without id or name; no purchase recorded", "")
			return ""
		}
		st.diag(ValueChanged, productKey(i, wantName), "product has no "+wantName+"; the other of id/name used as product_id", other)
		id = other
	}
	if t, cut := truncate(id); cut {
		st.diag(Truncated, productKey(i, wantName), "product_id longer than 255 characters cut to 255", id)
		id = t
	}
	return id
}

// productActionEvents emits the expanded events of a non-purchase product
// action (and of a purchase without products). Item events carry the
// product's fields and, beyond the design's Transaction Id, the other
// action fields that are present (checkout step and options, list names,
// affiliation, amounts), so that none is lost. Refunds (and purchases
// without products) get their "- Total" event first, as the Android kit
// sends it. A missing total is filled as orderTotal does, for every action.
func (st *mapState) productActionEvents(d *mparticle.CommerceEvent, pa *mparticle.ProductAction) {
	action := commerceAction(pa.Action)
	total := orderTotal(pa)
	switch {
	case pa.Action == mparticle.ActionRefund || pa.Action == mparticle.ActionPurchase:
		totalName := commerceName(action, totalSuffix)
		p := st.newProps(transactionCount(pa, total) + 1 + len(d.CustomAttributes))
		p.setCommerce(&commerceFields{pa: pa, total: total, currency: strings.TrimSpace(d.CurrencyCode)})
		p.addCustom(d.CustomAttributes)
		st.emitEvent(totalName, &d.CommonEventData, p)
		st.eventAttributeMappings(commerceTypeNumber, totalName, d.CustomAttributes)
	case len(pa.Products) == 0:
		st.diag(EventSkipped, "", "product action "+strconv.Quote(action)+" without products produces no Braze event", "")
		return
	}
	itemName := commerceName(action, itemSuffix)
	for i := range pa.Products {
		pr := &pa.Products[i]
		own := transactionCount(pa, total) + productCount(pr, true)
		p := st.newProps(own + len(pr.CustomAttributes) + len(d.CustomAttributes))
		p.setCommerce(&commerceFields{pa: pa, total: total, pr: pr, item: true, counted: own})
		p.addCustom(pr.CustomAttributes)
		p.addCustom(d.CustomAttributes)
		st.emitEvent(itemName, &d.CommonEventData, p)
	}
	if len(pa.Products) > 0 {
		st.eventAttributeMappings(commerceTypeNumber, itemName, d.CustomAttributes)
	}
}

// promotionEvents emits one event per promotion.
func (st *mapState) promotionEvents(d *mparticle.CommerceEvent, pr *mparticle.PromotionAction) {
	name := commerceName(promotionAction(pr.Action), itemSuffix)
	for i := range pr.Promotions {
		p := st.newProps(promotionCount(&pr.Promotions[i]) + len(d.CustomAttributes))
		p.setPromotion(&pr.Promotions[i])
		p.addCustom(d.CustomAttributes)
		st.emitEvent(name, &d.CommonEventData, p)
	}
	if len(pr.Promotions) > 0 {
		st.eventAttributeMappings(commerceTypeNumber, name, d.CustomAttributes)
	}
}

func (p *props) promotionFields(pm *mparticle.Promotion) {
	p.str(keyID, pm.ID)
	p.str(keyName, pm.Name)
	p.str(keyCreative, pm.Creative)
	p.str(keyPosition, pm.Position)
}

// impressionEvents emits one event per impressed product.
func (st *mapState) impressionEvents(d *mparticle.CommerceEvent) {
	const name = "eCommerce - Impression - Item"
	found := false
	for _, imp := range d.ProductImpressions {
		for j := range imp.Products {
			p := st.newProps(1 + productCount(&imp.Products[j], true) + len(imp.Products[j].CustomAttributes) + len(d.CustomAttributes))
			p.setCommerce(&commerceFields{pr: &imp.Products[j], item: true, impressionList: imp.ProductImpressionList})
			p.addCustom(imp.Products[j].CustomAttributes)
			p.addCustom(d.CustomAttributes)
			st.emitEvent(name, &d.CommonEventData, p)
			found = true
		}
	}
	if found {
		st.eventAttributeMappings(commerceTypeNumber, name, d.CustomAttributes)
	}
}

// bundledCommerce emits one event (or, for a purchase, one purchase) per
// commerce event, with nested products, promotions and impressions.
func (st *mapState) bundledCommerce(d *mparticle.CommerceEvent) {
	pa := d.ProductAction
	var total mparticle.Optional[float64]
	hint := 4 // Attributes, products, promotions, impressions
	if pa != nil {
		total = orderTotal(pa)
		hint += transactionCount(pa, total)
	}
	p := st.newProps(hint)
	if pa != nil {
		p.transactionProps(pa, total)
	}
	if len(d.CustomAttributes) > 0 {
		np := st.newNestedProps(len(d.CustomAttributes))
		np.addCustom(d.CustomAttributes)
		if m := np.finish(); len(m) > 0 {
			p.setOwn(keyAttributes, st.objectOf(m))
		}
	}
	if pa != nil && len(pa.Products) > 0 {
		p.setOwn(keyProducts, st.nestedProducts(pa.Products))
	}
	if pr := d.PromotionAction; hasPromotions(d) {
		arr := make([]braze.Value, len(pr.Promotions))
		for i := range pr.Promotions {
			np := st.newNestedProps(promotionCount(&pr.Promotions[i]))
			np.promotionFields(&pr.Promotions[i])
			arr[i] = st.objectOf(np.finish())
		}
		p.setOwn(keyPromotions, braze.Array(arr))
	}
	if hasImpressionProducts(d) {
		arr := make([]braze.Value, 0, len(d.ProductImpressions))
		for _, imp := range d.ProductImpressions {
			if len(imp.Products) == 0 {
				continue // an impression of nothing
			}
			np := st.newNestedProps(2)
			np.str(keyImpressionList, imp.ProductImpressionList)
			np.setOwn(keyProducts, st.nestedProducts(imp.Products))
			arr = append(arr, st.objectOf(np.finish()))
		}
		p.setOwn(keyImpressions, braze.Array(arr))
	}
	name := st.evName // commerceLabel
	if pa != nil && pa.Action == mparticle.ActionPurchase {
		price, ok := total.Get()
		if !ok {
			st.diag(ValueChanged, "total_amount", "bundled purchase without a total; price 0 used", "")
		}
		currency := st.currency(d.CurrencyCode)
		st.addPurchase(braze.Purchase{
			Identifier: st.res.Identifier, ProductID: name, Currency: currency,
			Price: price, Quantity: 1, Time: st.evTime,
			Properties: p.finish(), UpdateExistingOnly: st.ueo,
		})
		return
	}
	st.emitEvent(name, &d.CommonEventData, p)
	st.eventAttributeMappings(commerceTypeNumber, name, d.CustomAttributes)
}

// nestedProducts builds the products array of bundled commerce.
func (st *mapState) nestedProducts(products []mparticle.Product) braze.Value {
	arr := make([]braze.Value, len(products))
	for i := range products {
		pr := &products[i]
		np := st.newNestedProps(productCount(pr, true) + 1)
		np.productFields(pr, true)
		if len(pr.CustomAttributes) > 0 {
			ap := st.newNestedProps(len(pr.CustomAttributes))
			ap.addCustom(pr.CustomAttributes)
			if m := ap.finish(); len(m) > 0 {
				np.setOwn(keyAttributes, st.objectOf(m))
			}
		}
		arr[i] = st.objectOf(np.finish())
	}
	return braze.Array(arr)
}
