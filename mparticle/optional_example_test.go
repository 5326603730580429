package mparticle_test

import (
	"fmt"
	"log"

	"github.com/mpbraze/mpbraze/mparticle"
)

// A decoded Optional keeps the three states of the wire: a value, an
// explicit null, or no field at all. IsSet is true only for a value.
func ExampleOptional() {
	b, err := mparticle.DecodeBatch([]byte(`{"mpid":8217361,"device_info":{"limit_ad_tracking":null}}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.MPID.Get())
	lat := b.DeviceInfo.LimitAdTracking
	fmt.Println("limit_ad_tracking set, null, absent:", lat.IsSet(), lat.IsNull(), lat.IsAbsent())
	fmt.Println("origin_mpid absent:", b.OriginMPID.IsAbsent(), b.OriginMPID.Or(-1))

	b.OriginMPID = mparticle.Set(int64(42))
	b.DeviceInfo.LimitAdTracking = mparticle.Set(false)
	out, err := b.Encode()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// 8217361 true
	// limit_ad_tracking set, null, absent: false true false
	// origin_mpid absent: true -1
	// {"mpid":8217361,"device_info":{"limit_ad_tracking":false},"origin_mpid":42}
}
