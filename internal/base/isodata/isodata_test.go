package isodata

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func mustCountries(t *testing.T) []Country {
	t.Helper()
	cs, err := Countries()
	if err != nil {
		t.Fatalf("Countries: %v", err)
	}
	return cs
}

func mustStates(t *testing.T) []State {
	t.Helper()
	ss, err := States()
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	return ss
}

func mustCurrencies(t *testing.T) []Currency {
	t.Helper()
	cs, err := Currencies()
	if err != nil {
		t.Fatalf("Currencies: %v", err)
	}
	return cs
}

func isUpperASCII(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// sortKey folds the accented letters used in country names so that the
// file order can be checked as a plain case-insensitive comparison.
var sortKey = strings.NewReplacer("Å", "A", "ç", "c", "é", "e", "í", "i", "ã", "a", "ô", "o")

func TestCountries(t *testing.T) {
	cs := mustCountries(t)
	if len(cs) != 249 {
		t.Errorf("got %d countries, want 249", len(cs))
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if !isUpperASCII(c.Code, 2, 2) {
			t.Errorf("country %q: code is not two upper-case letters", c.Code)
		}
		if seen[c.Code] {
			t.Errorf("country %q: duplicate code", c.Code)
		}
		seen[c.Code] = true
		if c.Name == "" || c.PhoneCode <= 0 {
			t.Errorf("country %q: missing name or phone code: %+v", c.Code, c)
		}
		if c.Currency == "" && c.Code != "AQ" {
			t.Errorf("country %q: missing currency", c.Code)
		}
		if i > 0 {
			prev := strings.ToLower(sortKey.Replace(cs[i-1].Name))
			cur := strings.ToLower(sortKey.Replace(c.Name))
			if prev > cur {
				t.Errorf("countries not sorted by name: %q before %q", cs[i-1].Name, c.Name)
			}
		}
	}
}

func TestCurrencies(t *testing.T) {
	cur := mustCurrencies(t)
	byCode := map[string]Currency{}
	for _, c := range cur {
		if !isUpperASCII(c.Code, 3, 3) {
			t.Errorf("currency %q: code is not three upper-case letters", c.Code)
		}
		if _, dup := byCode[c.Code]; dup {
			t.Errorf("currency %q: duplicate code", c.Code)
		}
		byCode[c.Code] = c
	}

	used := map[string]bool{}
	for _, c := range mustCountries(t) {
		if c.Currency == "" {
			continue
		}
		used[c.Currency] = true
		if _, ok := byCode[c.Currency]; !ok {
			t.Errorf("country %s: currency %q not in %s", c.Code, c.Currency, currenciesFile)
		}
	}
	for code := range byCode {
		if !used[code] {
			t.Errorf("currency %q is not used by any country", code)
		}
	}

	for _, want := range []Currency{
		{"RON", "Romanian leu", "lei", 2, PositionAfter},
		{"IDR", "Indonesian rupiah", "Rp", 2, PositionBefore},
		{"USD", "US dollar", "$", 2, PositionBefore},
		{"EUR", "Euro", "€", 2, PositionBefore},
		{"JPY", "Japanese yen", "¥", 0, PositionBefore},
		{"KWD", "Kuwaiti dinar", "KD", 3, PositionBefore},
	} {
		if got := byCode[want.Code]; got != want {
			t.Errorf("currency %s = %+v, want %+v", want.Code, got, want)
		}
	}
}

func TestStates(t *testing.T) {
	countries := map[string]bool{}
	for _, c := range mustCountries(t) {
		countries[c.Code] = true
	}
	type key struct{ country, code string }
	byKey := map[key]State{}
	count := map[string]int{}
	for _, s := range mustStates(t) {
		if !countries[s.CountryCode] {
			t.Errorf("state %s-%s: unknown country", s.CountryCode, s.Code)
		}
		if !isUpperASCII(s.Code, 1, 3) {
			t.Errorf("state %s-%s: code is not 1-3 upper-case letters", s.CountryCode, s.Code)
		}
		k := key{s.CountryCode, s.Code}
		if _, dup := byKey[k]; dup {
			t.Errorf("state %s-%s: duplicate code", s.CountryCode, s.Code)
		}
		byKey[k] = s
		count[s.CountryCode]++
	}

	for country, want := range map[string]int{"RO": 42, "US": 51, "ID": 38} {
		if count[country] != want {
			t.Errorf("%s has %d states, want %d", country, count[country], want)
		}
	}

	for _, want := range []State{
		{"RO", "CJ", "Cluj"},
		{"RO", "B", "București"},
		{"RO", "TM", "Timiș"},
		{"RO", "CT", "Constanța"},
		{"ID", "JK", "DKI Jakarta"},
		{"ID", "JB", "Jawa Barat"},
		{"US", "CA", "California"},
		{"US", "DC", "District of Columbia"},
	} {
		if got := byKey[key{want.CountryCode, want.Code}]; got != want {
			t.Errorf("state %s-%s = %+v, want %+v", want.CountryCode, want.Code, got, want)
		}
	}
}

func TestCountrySpotChecks(t *testing.T) {
	byCode := map[string]Country{}
	for _, c := range mustCountries(t) {
		byCode[c.Code] = c
	}
	for _, want := range []Country{
		{"RO", "Romania", 40, "RON"},
		{"ID", "Indonesia", 62, "IDR"},
		{"US", "United States", 1, "USD"},
		{"DE", "Germany", 49, "EUR"},
		{"JP", "Japan", 81, "JPY"},
		{"GB", "United Kingdom", 44, "GBP"},
	} {
		if got := byCode[want.Code]; got != want {
			t.Errorf("country %s = %+v, want %+v", want.Code, got, want)
		}
	}
}

func TestParseErrorMentionsFileAndLine(t *testing.T) {
	// Header is line 1 and no record spans several lines, so RO is on
	// line index+2.
	line := 0
	for i, c := range mustCountries(t) {
		if c.Code == "RO" {
			line = i + 2
		}
	}
	errFake := errors.New("fake")
	err := parse(countriesFile, []string{"code", "name", "phone_code", "currency"}, func(rec []string) error {
		if rec[0] == "RO" {
			return errFake
		}
		return nil
	})
	if !errors.Is(err, errFake) {
		t.Fatalf("parse error = %v, want wrapped errFake", err)
	}
	if want := countriesFile + ":" + strconv.Itoa(line) + ":"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}

	err = parse(statesFile, []string{"wrong"}, func([]string) error { return nil })
	if err == nil || !strings.Contains(err.Error(), statesFile) {
		t.Errorf("header mismatch error = %v", err)
	}
}
