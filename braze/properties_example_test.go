package braze_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mpbraze/mpbraze/braze"
)

// Properties keep the order they are built in, and encode in it. Set
// replaces a value in place (or appends), Get and All read them, and
// PropertiesFromMap turns a map into properties sorted by key.
func ExampleProperties() {
	props := braze.Properties{
		braze.Prop("sku", braze.String("A-1")),
		braze.Prop("price", braze.Float(9.5)),
	}
	props.Set("quantity", braze.Int(2)) // appended
	props.Set("price", braze.Float(8))  // replaced in place
	props.Delete("sku")

	if v, ok := props.Get("price"); ok {
		fmt.Println("price:", v)
	}
	for k, v := range props.All() {
		fmt.Println(k, "=", v)
	}

	e := braze.Event{
		Identifier: braze.ExternalID("cust-42"),
		Name:       "added_to_cart",
		Time:       time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC),
		Properties: props,
	}
	b, _ := json.Marshal(e)
	fmt.Println(string(b))

	fromMap := braze.PropertiesFromMap(map[string]braze.Value{"b": braze.Int(2), "a": braze.Int(1)})
	b, _ = json.Marshal(fromMap)
	fmt.Println(string(b))

	// A key given twice is refused before anything is sent.
	e.Properties = append(e.Properties, braze.Prop("quantity", braze.Int(3)))
	fmt.Println(e.Validate())
	// Output:
	// price: 8
	// price = 8
	// quantity = 2
	// {"external_id":"cust-42","name":"added_to_cart","time":"2025-03-01T10:15:00Z","properties":{"price":8,"quantity":2}}
	// {"a":1,"b":2}
	// braze: invalid request: properties: duplicate key "quantity"
}
