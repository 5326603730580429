package formats

import "testing"

func TestIsCurrencyCode(t *testing.T) {
	for s, want := range map[string]bool{
		"USD": true, "EUR": true, "XXX": true,
		"": false, "usd": false, "US": false, "USDD": false, "U$D": false, "ÉUR": false, "US1": false,
	} {
		if got := IsCurrencyCode(s); got != want {
			t.Errorf("IsCurrencyCode(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"123e4567-e89b-12d3-a456-426614174000":  true,
		"123E4567-E89B-12D3-A456-426614174000":  true,
		"00000000-0000-0000-0000-000000000000":  true,
		"":                                      false,
		"123e4567e89b12d3a456426614174000":      false,
		"123e4567-e89b-12d3-a456-42661417400g":  false,
		"123e4567-e89b-12d3-a456_426614174000":  false,
		"123e4567-e89b-12d3-a456-4266141740000": false,
		"{123e4567-e89b-12d3-a456-42661417400}": false,
	} {
		if got := IsUUID(s); got != want {
			t.Errorf("IsUUID(%q) = %v, want %v", s, got, want)
		}
	}
}
