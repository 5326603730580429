package braze

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchEvents builds a realistic full /users/track request: 75 events from
// 25 users, each with the kind of properties a forwarded mParticle event
// carries (strings, numbers, a boolean, a date).
func benchEvents() TrackRequest {
	r := TrackRequest{Events: make([]Event, 75)}
	base := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	for i := range r.Events {
		r.Events[i] = Event{
			Identifier: ExternalID(fmt.Sprintf("customer-%06d", i%25)),
			AppID:      "3f2e8c1a-6b7d-4e9f-a0b1-c2d3e4f5a6b7",
			Name:       "Product Viewed",
			Time:       base.Add(time.Duration(i) * 1234567 * time.Microsecond),
			Properties: Properties{
				Prop("category", String("Electronics > Audio")),
				Prop("in_stock", Bool(i%4 != 0)),
				Prop("price", Float(199.99)),
				Prop("product_id", String(fmt.Sprintf("SKU-%05d", i*7))),
				Prop("product_name", String("Wireless Noise-Cancelling Headphones")),
				Prop("quantity", Int(int64(1+i%3))),
				Prop("session_id", String(fmt.Sprintf("sess-%08x", i*2654435761))),
				Prop("source", String("mobile_app")),
				Prop("viewed_at", Time(base.Add(-time.Duration(i)*time.Minute))),
			},
		}
	}
	return r
}

// benchAttributes builds 75 attributes objects with standard fields and
// custom attributes of every common kind.
func benchAttributes() TrackRequest {
	r := TrackRequest{Attributes: make([]Attributes, 75)}
	for i := range r.Attributes {
		r.Attributes[i] = Attributes{
			Identifier:     Identifier{ExternalID: fmt.Sprintf("customer-%06d", i), Email: fmt.Sprintf("user%d@example.com", i)},
			FirstName:      Set("Ada"),
			LastName:       Set("Lovelace"),
			HomeCity:       Set("London"),
			Country:        Set("GB"),
			DOB:            Set(NewDate(1990, time.April, 1+i%28)),
			Gender:         Set(GenderFemale),
			EmailSubscribe: Set(SubscriptionOptedIn),
			Custom: Properties{
				Prop("Zip", String("N1 9GU")),
				Prop("devices", Strings([]string{"ios", "web"})),
				Prop("favorite_genres", AddRemove([]string{"jazz", "blues"}, []string{"pop"})),
				Prop("last_order_at", Time(time.Date(2025, 2, 27, 18, 4, 5, 0, time.UTC))),
				Prop("lifetime_value", Float(1234.56)),
				Prop("loyalty_points", Inc(int64(i))),
				Prop("loyalty_tier", String("gold")),
				Prop("newsletter", Bool(true)),
				Prop("orders", Int(int64(i*3))),
				Prop("segment", NullValue()),
			},
		}
	}
	return r
}

func benchEncode(b *testing.B, r TrackRequest) {
	b.Run("append", func(b *testing.B) {
		buf, err := r.AppendJSON(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			buf, err = r.AppendJSON(buf[:0])
			if err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(float64(b.N)*float64(r.Len())/b.Elapsed().Seconds(), "objects/s")
	})
	b.Run("json.Marshal", func(b *testing.B) {
		buf, _ := json.Marshal(r)
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			if _, err := json.Marshal(r); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(float64(b.N)*float64(r.Len())/b.Elapsed().Seconds(), "objects/s")
	})
}

// BenchmarkEncodeTrackRequest75Events encodes a full 75-event request with
// the hand-written encoder (append, reusing the buffer), through
// json.Marshal (which calls MarshalJSON and then re-scans the output), and
// with reflection over the same fields as the baseline the encoder replaces.
func BenchmarkEncodeTrackRequest75Events(b *testing.B) {
	r := benchEvents()
	benchEncode(b, r)
	b.Run("reflect-baseline", func(b *testing.B) {
		type refReq struct {
			Events []eventFields `json:"events"`
		}
		ref := refReq{Events: make([]eventFields, len(r.Events))}
		for i, e := range r.Events {
			ref.Events[i] = eventFields(e)
		}
		buf, _ := json.Marshal(ref)
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			if _, err := json.Marshal(ref); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(float64(b.N)*75/b.Elapsed().Seconds(), "objects/s")
	})
}

// BenchmarkEncodeTrackRequest75Attributes encodes 75 attributes objects;
// the baseline builds the flattened map[string]any a reflection-based
// encoder would need.
func BenchmarkEncodeTrackRequest75Attributes(b *testing.B) {
	r := benchAttributes()
	benchEncode(b, r)
	b.Run("map-baseline", func(b *testing.B) {
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			objs := make([]map[string]any, len(r.Attributes))
			for i, a := range r.Attributes {
				m := map[string]any{"external_id": a.ExternalID, "email": a.Email, "first_name": a.FirstName,
					"last_name": a.LastName, "home_city": a.HomeCity, "country": a.Country, "dob": a.DOB,
					"gender": a.Gender, "email_subscribe": a.EmailSubscribe}
				for k, v := range a.Custom.All() {
					m[k] = v
				}
				objs[i] = m
			}
			if _, err := json.Marshal(map[string]any{"attributes": objs}); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
		b.ReportMetric(float64(b.N)*75/b.Elapsed().Seconds(), "objects/s")
	})
}

func BenchmarkValidateTrackRequest75Events(b *testing.B) {
	r := benchEvents()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := r.Validate(DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N)*75/b.Elapsed().Seconds(), "objects/s")
}

func BenchmarkValidateTrackRequest75Attributes(b *testing.B) {
	r := benchAttributes()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := r.Validate(DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N)*75/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkValidateAndEncodeTrackRequest75 is what Client.Track does before
// sending: validate, then encode. "two-pass" is Validate followed by
// AppendJSON (each walks every property and custom attribute map);
// "one-pass" is appendValidated, which checks map members while encoding.
func BenchmarkValidateAndEncodeTrackRequest75(b *testing.B) {
	for _, rc := range []struct {
		name string
		r    TrackRequest
	}{{"events", benchEvents()}, {"attributes", benchAttributes()}} {
		r := &rc.r
		buf := make([]byte, 0, 1<<16)
		b.Run(rc.name+"/two-pass", func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if err := r.Validate(DefaultLimits()); err != nil {
					b.Fatal(err)
				}
				var err error
				if buf, err = r.AppendJSON(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
		b.Run(rc.name+"/one-pass", func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				var err error
				if buf, err = r.appendValidated(DefaultLimits(), buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}
