package mapping

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// reservedKeys reads the keys standardFieldOf and customReservedOf know
// from their switches in userattrs.go, so that a key added there is
// checked against mayBeReserved without another list to keep.
func reservedKeys(t *testing.T) []string {
	t.Helper()
	keys := switchKeys(t, "standardFieldOf", "customReservedOf")
	require.Greater(t, len(keys), 15)
	return keys
}

// switchKeys reads the case strings of the switches in the functions
// named (of userattrs.go).
func switchKeys(t *testing.T, funcs ...string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "userattrs.go", nil, 0)
	require.NoError(t, err)
	var keys []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !slices.Contains(funcs, fn.Name.Name) {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					lit, ok := e.(*ast.BasicLit)
					require.True(t, ok && lit.Kind == token.STRING, "a case of %s is not a string literal", fn.Name.Name)
					s, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					keys = append(keys, s)
				}
			}
			return true
		})
	}
	return keys
}

// TestCanonicalFieldOf: every key canonicalFieldOf knows (read from its
// switch) lower-cases to one standardFieldOf maps to the same field, and
// it knows the mParticle spelling of each "$" key standardFieldOf knows.
func TestCanonicalFieldOf(t *testing.T) {
	keys := switchKeys(t, "canonicalFieldOf")
	require.Len(t, keys, 7)
	for _, k := range keys {
		field, ok := canonicalFieldOf(k)
		require.True(t, ok, k)
		var buf [64]byte
		want, ok := standardFieldOf(lowerInto(buf[:0], k))
		require.True(t, ok, k)
		require.Equal(t, want, field, k)
		require.True(t, mayBeReserved(k), k) // else setUserAttribute never asks
	}
	for _, k := range []string{"$firstname", "$FIRSTNAME", "first_name", "$Zip", "$State", "$Address", "dob", "$FirstName ", ""} {
		_, ok := canonicalFieldOf(k)
		require.False(t, ok, k)
	}
}

// TestMayBeReserved: mayBeReserved says true for every key the lookups
// know, in any case, also spelled with runes that lower-case to ASCII
// (İ to i, the Kelvin sign to k); and for random keys, false only where
// neither lookup finds the lower-cased key.
func TestMayBeReserved(t *testing.T) {
	keys := reservedKeys(t)
	known := func(raw string) bool {
		var buf [64]byte
		lower := lowerInto(buf[:0], raw)
		_, std := standardFieldOf(lower)
		_, custom := customReservedOf(lower)
		return std || custom
	}
	rng := rand.New(rand.NewPCG(3, 1))
	for _, k := range keys {
		require.True(t, known(k), k)
		for range 20 {
			var b strings.Builder
			for _, r := range k {
				switch {
				case r == 'i' && rng.IntN(3) == 0:
					b.WriteRune('İ')
				case rng.IntN(2) == 0:
					b.WriteRune(unicode.ToUpper(r))
				default:
					b.WriteRune(r)
				}
			}
			v := b.String()
			if known(v) {
				require.True(t, mayBeReserved(v), "%q (%s) is known but mayBeReserved says no", v, k)
			}
		}
	}
	// Runes past ASCII that lower-case to ASCII: none to a first or last
	// letter mayBeReserved looks for.
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if l := unicode.ToLower(r); l < utf8.RuneSelf {
			require.Contains(t, []rune{'i', 'k'}, l, "%U lower-cases to %q", r, l)
			require.False(t, mayBeReserved("$"+string(r)) || mayBeReserved(string(r)+"e"), "%U", r)
		}
	}
	alphabet := []string{"$", "a", "E", "y", "R", "b", "p", "s", "f", "L", "h", "c", "g", "d", "_", "i", "İ", "\u212a", "é", "\xff", "z"}
	for range 100000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		if rng.IntN(4) == 0 {
			k := keys[rng.IntN(len(keys))]
			b.WriteString(k[:rng.IntN(len(k)+1)])
		}
		raw := b.String()
		if !mayBeReserved(raw) {
			require.False(t, known(raw), "%q is known but mayBeReserved says no", raw)
		}
	}
}
