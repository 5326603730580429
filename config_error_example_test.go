package mpbraze_test

import (
	"errors"
	"fmt"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
)

// A Config that New refuses: the *ConfigError names the field and shows
// the offending value, never the REST key.
func ExampleConfigError() {
	_, err := mpbraze.New(mpbraze.Config{
		BrazeKey:             "rest-key-not-shown",
		Instance:             braze.US03,
		MaxRememberedAliases: -5,
	})
	var ce *mpbraze.ConfigError
	if errors.As(err, &ce) {
		fmt.Printf("field %s, value %q\n", ce.Field, ce.Value)
	}
	fmt.Println(err)
	// Output:
	// field MaxRememberedAliases, value "-5"
	// mpbraze: Config.MaxRememberedAliases "-5": must not be negative (0 means DefaultMaxRememberedAliases)
}
