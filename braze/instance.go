package braze

import (
	"fmt"
	"strings"
)

// Instance names a Braze data center ("cluster"), as shown in the Braze
// dashboard (Settings › APIs and Identifiers). Its REST endpoint is
// Instance.BaseURL. Use the constants, or ParseInstance for configuration
// strings.
type Instance string

// The Braze instances (spec §4). There is no US-09.
const (
	US01 Instance = "US-01"
	US02 Instance = "US-02"
	US03 Instance = "US-03"
	US04 Instance = "US-04"
	US05 Instance = "US-05"
	US06 Instance = "US-06"
	US07 Instance = "US-07"
	US08 Instance = "US-08"
	US10 Instance = "US-10"
	EU01 Instance = "EU-01"
	EU02 Instance = "EU-02"
	AU01 Instance = "AU-01"
	ID01 Instance = "ID-01"
	JP01 Instance = "JP-01"
	KR01 Instance = "KR-01"
)

var instanceURLs = map[Instance]string{
	US01: "https://rest.iad-01.braze.com",
	US02: "https://rest.iad-02.braze.com",
	US03: "https://rest.iad-03.braze.com",
	US04: "https://rest.iad-04.braze.com",
	US05: "https://rest.iad-05.braze.com",
	US06: "https://rest.iad-06.braze.com",
	US07: "https://rest.iad-07.braze.com",
	US08: "https://rest.iad-08.braze.com",
	US10: "https://rest.us-10.braze.com",
	EU01: "https://rest.fra-01.braze.eu",
	EU02: "https://rest.fra-02.braze.eu",
	AU01: "https://rest.au-01.braze.com",
	ID01: "https://rest.id-01.braze.com",
	JP01: "https://rest.jp-01.braze.com",
	KR01: "https://rest.kr-01.braze.com",
}

// Instances returns every known instance, in the order of the constants.
func Instances() []Instance {
	return []Instance{US01, US02, US03, US04, US05, US06, US07, US08, US10, EU01, EU02, AU01, ID01, JP01, KR01}
}

// BaseURL returns the instance's REST endpoint (no trailing slash), or ""
// for an unknown instance.
func (i Instance) BaseURL() string { return instanceURLs[i] }

// Valid reports whether i is a known instance.
func (i Instance) Valid() bool { _, ok := instanceURLs[i]; return ok }

// String returns the instance name, e.g. "US-03".
func (i Instance) String() string { return string(i) }

// ParseInstance parses an instance name such as "US-03". Case, surrounding
// spaces and the dash are not significant ("us03", "eu-01"); the REST host
// label is accepted too ("iad-03", "fra-01", "rest.iad-03.braze.com").
func ParseInstance(s string) (Instance, error) {
	norm := strings.ToUpper(strings.TrimSpace(s))
	norm = strings.TrimPrefix(norm, "HTTPS://")
	norm = strings.TrimPrefix(norm, "REST.")
	if i := strings.IndexByte(norm, '.'); i >= 0 {
		norm = norm[:i]
	}
	norm = strings.ReplaceAll(strings.ReplaceAll(norm, "-", ""), "_", "")
	switch {
	case strings.HasPrefix(norm, "IAD"):
		norm = "US" + norm[3:]
	case strings.HasPrefix(norm, "FRA"):
		norm = "EU" + norm[3:]
	}
	if len(norm) == 4 {
		if cand := Instance(norm[:2] + "-" + norm[2:]); cand.Valid() {
			return cand, nil
		}
	}
	return "", fmt.Errorf("braze: unknown instance %q (want one of US-01…US-08, US-10, EU-01, EU-02, AU-01, ID-01, JP-01, KR-01)", s)
}
