package secret

import (
	"net/url"
	"strings"
)

// BaseURL validates raw as a client's base URL: an absolute https URL
// (http only with allowHTTP) with no user info, query or fragment, where
// credentials would hide. It returns the URL without a trailing slash, or
// the problems found, in the order unparseable, host, user info, scheme,
// query. shown is the URL as URL gives it (empty when unparseable), for the
// error's value: the raw text is never echoed, nor url.Parse's error, which
// quotes it. The braze and mparticle clients wrap problems in their own
// ConfigError.
func BaseURL(raw string, allowHTTP bool) (base, shown string, problems []string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", "", []string{"not an absolute URL (invalid URL, unparseable; value not shown)"}
	}
	shown = URL(u)
	if u.Host == "" {
		problems = append(problems, "no host (not an absolute URL)")
	}
	if u.User != nil {
		problems = append(problems, "must not contain user info (credentials); pass the keys to NewClient")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowHTTP {
			problems = append(problems, "plain http is refused; use https, or WithAllowHTTP for tests and fakes")
		}
	default:
		problems = append(problems, "scheme must be https (or http with WithAllowHTTP)")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		problems = append(problems, "must not have a query or fragment")
	}
	if len(problems) > 0 {
		return "", shown, problems
	}
	return strings.TrimRight(u.String(), "/"), shown, nil
}
