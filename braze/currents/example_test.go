package currents_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mpbraze/mpbraze/braze/currents"
)

// A Currents receiver: Braze posts batches with a bearer token; the sink
// sees typed events and the handler acknowledges only what the sink took.
func ExampleNewHandler() {
	sink := currents.SinkFunc(func(_ context.Context, events []currents.Event) error {
		for _, ev := range events {
			fmt.Printf("%s %s user=%s family=%s at=%s\n",
				ev.Type, ev.ID, ev.User.ExternalUserID, ev.Family(), ev.Timestamp().Format("2006-01-02T15:04:05Z"))
			if ev.Family() == currents.FamilyEmail {
				em, _ := ev.Email()
				fmt.Println("  email:", em.EmailAddress, "campaign:", em.CampaignName)
			}
		}
		return nil
	})
	h, err := currents.NewHandler(sink, currents.WithToken("s3cret-token"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h) // in production: http.Server{Handler: h, ...} behind TLS
	defer srv.Close()

	body := `{"events":[{"event_type":"users.messages.email.Open","id":"7a9c1e3f","time":1714602310,
	  "user":{"external_user_id":"cust-88412"},
	  "properties":{"email_address":"ada.river@example.org","campaign_name":"Spring Restock","machine_open":"true"}}]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(answer))
	// Output:
	// users.messages.email.Open 7a9c1e3f user=cust-88412 family=email at=2024-05-01T22:25:10Z
	//   email: ada.river@example.org campaign: Spring Restock
	// 200 {"accepted":1}
}

// Decoding a body without the handler, e.g. from a dead-letter file.
func ExampleDecodeBody() {
	events, err := currents.DecodeBody([]byte(`{"events":[
	  {"event_type":"users.messages.sms.Delivery","id":"s-1","time":1714603300,
	   "user":{"external_user_id":"cust-88412"},"properties":{"to_phone_number":"+15555550123","new_field":{"x":1}}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	sms, _ := events[0].SMS()
	fmt.Println(events[0].Family(), sms.ToPhoneNumber)
	extra, _ := events[0].Properties.Text("new_field")
	fmt.Println("kept:", extra)

	_, err = currents.DecodeBody([]byte(`{"events":[{"event_type":"users.messages.sms.Delivery","time":"soon"}]}`))
	fmt.Println(err)
	// Output:
	// sms +15555550123
	// kept: {"x":1}
	// events[0].time: "soon" is not an integer
}
