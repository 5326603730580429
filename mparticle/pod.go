package mparticle

import (
	"fmt"
	"strings"
)

// Pod is an mParticle data-localization pod: the region that hosts a
// workspace and therefore the Events API host its inputs must use. Sending to
// the wrong pod fails authentication, so the client has no default pod.
type Pod string

// The pods of the Events API (spec §A1).
const (
	// US1 is the original US pod, https://s2s.mparticle.com/v2 (also reachable
	// as s2s.us1.mparticle.com).
	US1 Pod = "US1"
	// US2 is the second US pod, https://s2s.us2.mparticle.com/v2.
	US2 Pod = "US2"
	// EU1 is the European pod, https://s2s.eu1.mparticle.com/v2.
	EU1 Pod = "EU1"
	// AU1 is the Australian pod, https://s2s.au1.mparticle.com/v2.
	AU1 Pod = "AU1"
)

// podBaseURLs maps each pod to the base URL of its Events API (version 2).
var podBaseURLs = map[Pod]string{
	US1: "https://s2s.mparticle.com/v2",
	US2: "https://s2s.us2.mparticle.com/v2",
	EU1: "https://s2s.eu1.mparticle.com/v2",
	AU1: "https://s2s.au1.mparticle.com/v2",
}

// Pods returns every known pod, in a fixed order.
func Pods() []Pod { return []Pod{US1, US2, EU1, AU1} }

// ParsePod returns the pod named by s, ignoring case, surrounding spaces and
// a hyphen ("eu1", "EU-1" and " EU1 " all give EU1).
func ParsePod(s string) (Pod, error) {
	p := Pod(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "")))
	if _, ok := podBaseURLs[p]; !ok {
		return "", fmt.Errorf("mparticle: pod: %q is not one of US1, US2, EU1, AU1", s)
	}
	return p, nil
}

// BaseURL returns the Events API base URL of the pod (ending in /v2), or ""
// for an unknown pod.
func (p Pod) BaseURL() string { return podBaseURLs[p] }

// Valid reports whether p is a known pod.
func (p Pod) Valid() bool {
	_, ok := podBaseURLs[p]
	return ok
}

// String returns the pod's name, such as "EU1".
func (p Pod) String() string { return string(p) }
