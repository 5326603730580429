package mparticle_test

import (
	"fmt"

	"github.com/mpbraze/mpbraze/mparticle"
)

// A BatchBuffer decodes one batch after another into the same memory: each
// batch is used before the next Decode, and only strings are kept past it.
func ExampleBatchBuffer() {
	bodies := []string{
		`{"mpid":1,"events":[{"event_type":"custom_event","data":{"event_name":"Search"}},{"event_type":"screen_view","data":{"screen_name":"Home"}}]}`,
		`{"mpid":2,"events":[{"event_type":"custom_event","data":{"event_name":"Checkout"}}]}`,
		`{"mpid":"three"}`,
	}
	var buf mparticle.BatchBuffer
	var names []string // strings stay valid after the next Decode
	for _, body := range bodies {
		batch, err := buf.Decode([]byte(body))
		if err != nil {
			fmt.Println(err)
			continue
		}
		mpid, _ := batch.MPID.Get()
		fmt.Println("mpid", mpid, "events", len(batch.Events))
		for _, ev := range batch.Events {
			if ce, ok := ev.Data.(*mparticle.CustomEvent); ok {
				names = append(names, ce.EventName)
			}
		}
	}
	fmt.Println(names)
	// Output:
	// mpid 1 events 2
	// mpid 2 events 1
	// mparticle: decode: mpid: expected number, got string (offset 8)
	// [Search Checkout]
}
