package mparticle

import "encoding/json"

// ProductActionType is product_action.action.
type ProductActionType string

// Product actions of spec §A3. Note mParticle's spelling
// "remove_from_wish_list" for the removal.
const (
	ActionAddToCart          ProductActionType = "add_to_cart"
	ActionRemoveFromCart     ProductActionType = "remove_from_cart"
	ActionCheckout           ProductActionType = "checkout"
	ActionCheckoutOption     ProductActionType = "checkout_option"
	ActionClick              ProductActionType = "click"
	ActionViewDetail         ProductActionType = "view_detail"
	ActionPurchase           ProductActionType = "purchase"
	ActionRefund             ProductActionType = "refund"
	ActionAddToWishlist      ProductActionType = "add_to_wishlist"
	ActionRemoveFromWishlist ProductActionType = "remove_from_wish_list"
)

// PromotionActionType is promotion_action.action.
type PromotionActionType string

// Promotion actions.
const (
	PromotionView  PromotionActionType = "view"
	PromotionClick PromotionActionType = "click"
)

// CommerceEvent is the data of a commerce_event. One of ProductAction,
// PromotionAction or ProductImpressions is expected.
type CommerceEvent struct {
	CommonEventData
	// ProductAction is a purchase, add to cart, ...
	ProductAction *ProductAction `json:"product_action"`
	// PromotionAction is a promotion view or click.
	PromotionAction *PromotionAction `json:"promotion_action"`
	// ProductImpressions are product impressions by list.
	ProductImpressions []ProductImpression `json:"product_impressions"`
	// ShoppingCart is the cart state.
	ShoppingCart *ShoppingCart `json:"shopping_cart"`
	// CurrencyCode is an ISO 4217 code.
	CurrencyCode string `json:"currency_code"`
	// ScreenName is the screen the event happened on.
	ScreenName string `json:"screen_name"`
	// IsNonInteractive marks non-interactive events.
	IsNonInteractive Optional[bool] `json:"is_non_interactive"`
	// EventName is set on outbound data (e.g. "eCommerce - Purchase").
	EventName string `json:"event_name"`
	// CustomEventType is set on outbound data (e.g. "purchase").
	CustomEventType string `json:"custom_event_type"`
	// CustomFlags are per-integration flags, written in order.
	CustomFlags Attributes `json:"custom_flags"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventCommerce.
func (*CommerceEvent) EventType() EventType { return EventCommerce }

// ProductAction is commerce_event.product_action.
type ProductAction struct {
	// Action is required.
	Action ProductActionType `json:"action"`
	// CheckoutStep is the checkout step.
	CheckoutStep Optional[int64] `json:"checkout_step"`
	// CheckoutOptions are the checkout options.
	CheckoutOptions string `json:"checkout_options"`
	// ProductActionList is the list the action came from.
	ProductActionList string `json:"product_action_list"`
	// ProductListSource is the list source.
	ProductListSource string `json:"product_list_source"`
	// TransactionID is the order id.
	TransactionID string `json:"transaction_id"`
	// Affiliation is the store or affiliation.
	Affiliation string `json:"affiliation"`
	// TotalAmount is the revenue.
	TotalAmount Optional[float64] `json:"total_amount"`
	// TaxAmount is the tax.
	TaxAmount Optional[float64] `json:"tax_amount"`
	// ShippingAmount is the shipping cost.
	ShippingAmount Optional[float64] `json:"shipping_amount"`
	// CouponCode is the order coupon.
	CouponCode string `json:"coupon_code"`
	// Products are the products acted on.
	Products []Product `json:"products"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// Product is one product of a product action, impression or cart.
type Product struct {
	// ID is the SKU.
	ID string `json:"id"`
	// Name is the product name.
	Name string `json:"name"`
	// Brand is the brand.
	Brand string `json:"brand"`
	// Category is the category.
	Category string `json:"category"`
	// Variant is the variant.
	Variant string `json:"variant"`
	// Position is the position in a list.
	Position Optional[int64] `json:"position"`
	// Price is the unit price.
	Price Optional[float64] `json:"price"`
	// Quantity is the quantity (may be fractional; mParticle assumes 1
	// when absent).
	Quantity Optional[float64] `json:"quantity"`
	// CouponCode is the product coupon.
	CouponCode string `json:"coupon_code"`
	// AddedToCartTimeMS is when the product was added to the cart.
	AddedToCartTimeMS Optional[int64] `json:"added_to_cart_time_ms"`
	// TotalProductAmount is price × quantity.
	TotalProductAmount Optional[float64] `json:"total_product_amount"`
	// CustomAttributes are product attributes, written in order.
	CustomAttributes Attributes `json:"custom_attributes"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// PromotionAction is commerce_event.promotion_action.
type PromotionAction struct {
	// Action is required: view or click.
	Action PromotionActionType `json:"action"`
	// Promotions are the promotions acted on.
	Promotions []Promotion `json:"promotions"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// Promotion is one promotion.
type Promotion struct {
	// ID is the promotion id.
	ID string `json:"id"`
	// Name is the promotion name.
	Name string `json:"name"`
	// Creative is the creative.
	Creative string `json:"creative"`
	// Position is the slot.
	Position string `json:"position"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// ProductImpression is one element of commerce_event.product_impressions.
type ProductImpression struct {
	// ProductImpressionList names the list.
	ProductImpressionList string `json:"product_impression_list"`
	// Products are the products shown.
	Products []Product `json:"products"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// ShoppingCart is commerce_event.shopping_cart.
type ShoppingCart struct {
	// Products are the products in the cart.
	Products []Product `json:"products"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}
