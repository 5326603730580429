package mparticle_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"

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

// DecodeTransient is for a consumer that is done with each batch, strings
// included, before it decodes the next: here it counts events by name. The
// map keeps a clone of each name it meets first, and is only read with
// the batch's strings afterwards: a map assignment with an equal key
// stores the new key string, which the next batch would overwrite.
func ExampleBatchBuffer_DecodeTransient() {
	bodies := []string{
		`{"events":[{"event_type":"custom_event","data":{"event_name":"Search"}},{"event_type":"custom_event","data":{"event_name":"Checkout"}}]}`,
		`{"events":[{"event_type":"custom_event","data":{"event_name":"Search"}}]}`,
		`{"events":[{"event_type":"custom_event","data":{"event_name":"Signup"}}]}`,
	}
	var buf mparticle.BatchBuffer
	counts := map[string]*int{}
	for _, body := range bodies {
		batch, err := buf.DecodeTransient([]byte(body))
		if err != nil {
			fmt.Println(err)
			continue
		}
		for _, ev := range batch.Events {
			ce, ok := ev.Data.(*mparticle.CustomEvent)
			if !ok {
				continue
			}
			if n, seen := counts[ce.EventName]; seen {
				*n++
			} else {
				counts[strings.Clone(ce.EventName)] = new(1)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Println(name, *counts[name])
	}
	// Output:
	// Checkout 1
	// Search 2
	// Signup 1
}
