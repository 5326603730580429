package braze

import (
	"encoding/json"
	"time"
)

// Purchase is one purchase object of /users/track. Braze records Quantity
// purchases of one unit each; revenue is Price × Quantity.
type Purchase struct {
	Identifier

	// AppID optionally names the Braze app the purchase belongs to.
	AppID string `json:"app_id,omitempty"`
	// ProductID names the product (required, at most 255 characters).
	ProductID string `json:"product_id"`
	// Currency is the ISO 4217 alphabetic code, e.g. "USD" (required).
	Currency string `json:"currency"`
	// Price is the unit price in the currency's base unit (required).
	Price float64 `json:"price"`
	// Quantity is 1..100; 0 leaves the field out and Braze assumes 1.
	Quantity int `json:"quantity,omitempty"`
	// Time is when the purchase happened (required); RFC 3339 UTC.
	Time time.Time `json:"time"`
	// Properties are purchase properties, encoded in their order, under the
	// rules of event properties.
	Properties Properties `json:"properties,omitempty"`
	// UpdateExistingOnly sets _update_existing_only (nil leaves it out).
	UpdateExistingOnly *bool `json:"_update_existing_only,omitempty"`
}

// MarshalJSON encodes the purchase; properties are written in their order.
func (p Purchase) MarshalJSON() ([]byte, error) { return p.AppendJSON(nil) }

// AppendJSON appends the purchase's JSON encoding to dst.
func (p *Purchase) AppendJSON(dst []byte) ([]byte, error) {
	var enc memberEncoder
	return p.appendJSON(dst, &enc)
}

// appendJSON is AppendJSON with the request's shared encoder state (see
// TrackRequest.appendValidated).
func (p *Purchase) appendJSON(dst []byte, enc *memberEncoder) ([]byte, error) {
	if enc.check && !enc.irregular && !p.plainFields() {
		enc.irregular = true
	}
	w := beginObject(dst)
	writeIdentifier(&w, &p.Identifier)
	if p.AppID != "" {
		w.str(`"app_id":`, p.AppID)
	}
	w.str(`"product_id":`, p.ProductID)
	w.str(`"currency":`, p.Currency)
	w.float(`"price":`, p.Price)
	if p.Quantity != 0 {
		w.key(`"quantity":`)
		w.buf = appendInt(w.buf, int64(p.Quantity))
		w.comma()
	}
	var err error
	w.buf, err = enc.stamp.appendTimeField(w.buf, p.Time)
	w.setErr(err)
	writeProperties(&w, p.Properties, enc)
	if p.UpdateExistingOnly != nil {
		w.key(`"_update_existing_only":`)
		w.buf = appendBool(w.buf, *p.UpdateExistingOnly)
		w.comma()
	}
	return w.finish()
}

// purchaseFields is Purchase without its methods, for decoding.
type purchaseFields Purchase

// UnmarshalJSON decodes a purchase object; the properties keep the
// document's order.
func (p *Purchase) UnmarshalJSON(data []byte) error {
	var f purchaseFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*p = Purchase(f)
	return nil
}
