package mparticle_test

import (
	"encoding/json"
	"fmt"

	"github.com/mpbraze/mpbraze/mparticle"
)

func ExampleAttributes() {
	var attrs mparticle.Attributes
	attrs.Set("plan", mparticle.StringAttr("gold"))
	attrs.Set("seats", mparticle.IntAttr(3))
	attrs.Set("plan", mparticle.StringAttr("platinum")) // replaced in place
	if v, ok := attrs.Get("seats"); ok {
		fmt.Println("seats:", v)
	}
	for k, v := range attrs.All() {
		fmt.Println(k, v)
	}
	out, _ := json.Marshal(attrs)
	fmt.Println(string(out))
	// Output:
	// seats: 3
	// plan "platinum"
	// seats 3
	// {"plan":"platinum","seats":3}
}

// Decoded attributes keep the order of the input; AttributesFromMap sorts.
func ExampleAttributesFromMap() {
	b, _ := mparticle.DecodeBatch([]byte(`{"environment":"production","user_attributes":{"tier":"gold","age":41}}`))
	for k := range b.UserAttributes.All() {
		fmt.Println("decoded:", k)
	}
	sorted := mparticle.AttributesFromMap(map[string]mparticle.AttributeValue{
		"tier": mparticle.StringAttr("gold"),
		"age":  mparticle.IntAttr(41),
	})
	for k := range sorted.All() {
		fmt.Println("from map:", k)
	}
	// Output:
	// decoded: tier
	// decoded: age
	// from map: age
	// from map: tier
}
