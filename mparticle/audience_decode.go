package mparticle

import "fmt"

// AudienceMessage is a decoded audience message: an
// *AudienceMembershipChangeRequest or an *AudienceSubscriptionRequest.
type AudienceMessage interface {
	// MessageType returns the message's "type".
	MessageType() MessageType
	// Validate reports every problem with its JSON path.
	Validate() error
}

// MessageType returns MessageAudienceMembershipChangeRequest.
func (*AudienceMembershipChangeRequest) MessageType() MessageType {
	return MessageAudienceMembershipChangeRequest
}

// MessageType returns MessageAudienceSubscriptionRequest.
func (*AudienceSubscriptionRequest) MessageType() MessageType {
	return MessageAudienceSubscriptionRequest
}

// DecodeAudienceMembershipChangeRequest decodes an audience membership
// change message losslessly.
func DecodeAudienceMembershipChangeRequest(data []byte) (*AudienceMembershipChangeRequest, error) {
	m := new(AudienceMembershipChangeRequest)
	if err := unmarshalModel(m, data); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeAudienceSubscriptionRequest decodes an audience subscription message
// losslessly.
func DecodeAudienceSubscriptionRequest(data []byte) (*AudienceSubscriptionRequest, error) {
	m := new(AudienceSubscriptionRequest)
	if err := unmarshalModel(m, data); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeAudienceMessage decodes an audience message of either kind, chosen
// by its "type" field. Other message types are an error naming the type.
func DecodeAudienceMessage(data []byte) (AudienceMessage, error) {
	var typ string
	d := decoder{data: data}
	err := d.topLevel(func(d *decoder) error {
		return d.object(func(key []byte) error {
			if string(key) == "type" && d.peek() == '"' {
				s, err := d.str()
				typ = s
				return err
			}
			return d.skip()
		})
	})
	if err != nil {
		return nil, toDecodeError(err, -1, 0)
	}
	switch MessageType(typ) {
	case MessageAudienceMembershipChangeRequest:
		return DecodeAudienceMembershipChangeRequest(data)
	case MessageAudienceSubscriptionRequest:
		return DecodeAudienceSubscriptionRequest(data)
	}
	return nil, &DecodeError{Index: -1, Path: "type", Reason: fmt.Sprintf("%q is not an audience message type", typ)}
}
