package lookup

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestNormalizeCUIValid(t *testing.T) {
	for _, tc := range []struct {
		in     string
		digits string
		hadRO  bool
	}{
		// The worked examples of the reference, §1.1.
		{"1590082", "1590082", false},   // OMV Petrom, check digit 2
		{"14399840", "14399840", false}, // eMAG, check digit 0 (S*10 mod 11 = 0)
		{"5022670", "5022670", false},   // Banca Transilvania
		{"18547290", "18547290", false}, // the 10 → 0 rule
		{"19", "19", false},             // shortest form
		// Prefix, case, separators.
		{"RO14399840", "14399840", true},
		{"ro 14399840", "14399840", true},
		{"Ro1590082", "1590082", true},
		{"RO 1590082", "1590082", true},
		{"ro1590082", "1590082", true},
		{"14 399 840", "14399840", false},
		{" 14399840 ", "14399840", false},
		{"\t14399840\n", "14399840", false},
		{"14\u00a0399\u00a0840", "14399840", false}, // no-break spaces from a copy-paste
		{"14.399.840", "14399840", false},
		{"14-399-840", "14399840", false},
		{"RO-14399840", "14399840", true},
	} {
		digits, hadRO, err := NormalizeCUI(tc.in)
		if err != nil || digits != tc.digits || hadRO != tc.hadRO {
			t.Errorf("NormalizeCUI(%q) = %q, %v, %v; want %q, %v, nil", tc.in, digits, hadRO, err, tc.digits, tc.hadRO)
		}
	}
}

func TestNormalizeCUIInvalid(t *testing.T) {
	for _, tc := range []struct {
		in      string
		problem CUIProblem
		msg     string // part of the user-facing message
	}{
		{"", CUIEmpty, "is empty"},
		{"   ", CUIEmpty, "is empty"},
		{"RO", CUIEmpty, "no digits after the RO prefix"},
		{"ro - ", CUIEmpty, "no digits after the RO prefix"},
		{"14399A40", CUINotDigits, `"A" is not allowed`},
		{"CIF 14399840", CUINotDigits, `"C" is not allowed`},
		{"RO RO14399840", CUINotDigits, `"R" is not allowed`},
		{"14399840/2", CUINotDigits, `"/" is not allowed`},
		{"١٤٣٩٩٨٤٠", CUINotDigits, "only digits"}, // Arabic-Indic digits
		{"1", CUITooShort, "too short: it needs at least 2 digits (the last one is the check digit), this one has 1"},
		{"RO 7", CUITooShort, "too short"},
		{"12345678901", CUITooLong, "too long: it has at most 10 digits, this one has 11"},
		{"RO 1234 5678 9012", CUITooLong, "this one has 12"},
		{"0159008", CUILeadingZero, "cannot start with 0"},
		{"00", CUILeadingZero, "cannot start with 0"},
		{"14399841", CUICheckDigit, "14399841 has a wrong check digit: the last digit should be 0, not 1"},
		{"RO 14399841", CUICheckDigit, "the last digit should be 0, not 1"},
		{"18", CUICheckDigit, "the last digit should be 9, not 8"},
		{"1590083", CUICheckDigit, "the last digit should be 2, not 3"},
		{"18547291", CUICheckDigit, "the last digit should be 0, not 1"}, // 10 → 0
	} {
		digits, _, err := NormalizeCUI(tc.in)
		var ie *InvalidCodeError
		if !errors.As(err, &ie) {
			t.Errorf("NormalizeCUI(%q) = %q, %v; want an *InvalidCodeError", tc.in, digits, err)
			continue
		}
		if digits != "" {
			t.Errorf("NormalizeCUI(%q) returned digits %q with an error", tc.in, digits)
		}
		if !errors.Is(err, ErrInvalidCode) {
			t.Errorf("NormalizeCUI(%q): errors.Is(err, ErrInvalidCode) is false", tc.in)
		}
		if ie.Problem != tc.problem || ie.Country != "RO" || ie.Input != tc.in {
			t.Errorf("NormalizeCUI(%q): problem %d, country %q, input %q; want problem %d", tc.in, ie.Problem, ie.Country, ie.Input, tc.problem)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("NormalizeCUI(%q) error %q does not contain %q", tc.in, err, tc.msg)
		}
	}
}

func TestCheckDigitErrorDetail(t *testing.T) {
	_, hadRO, err := NormalizeCUI("ro 14 399 841")
	var ie *InvalidCodeError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	if !hadRO || ie.Digits != "14399841" || ie.Expected != 0 || ie.Got != 1 || !ie.HadRO {
		t.Errorf("got hadRO %v, %+v", hadRO, ie)
	}
}

func TestValidCUI(t *testing.T) {
	for in, want := range map[string]bool{
		"1590082": true, "14399840": true, "5022670": true, "18547290": true, "19": true,
		"14399841": false, "18": false, "1590083": false,
		"": false, "1": false, "9": false, "0": false, "01590082": false, "12345678901": false,
		"RO1590082": false, "1590 082": false, "159008a": false, "+1590082": false,
	} {
		if got := ValidCUI(in); got != want {
			t.Errorf("ValidCUI(%q) = %v, want %v", in, got, want)
		}
	}
}

// referenceCheckDigit is the algorithm written literally as the reference
// states it: pad the body to 9 digits, multiply by 7 5 3 2 1 7 5 3 2, sum,
// (S*10) mod 11, 10 → 0.
func referenceCheckDigit(body string) int {
	padded := strings.Repeat("0", 9-len(body)) + body
	key := []int{7, 5, 3, 2, 1, 7, 5, 3, 2}
	s := 0
	for i := range 9 {
		s += int(padded[i]-'0') * key[i]
	}
	return (s * 10) % 11 % 10
}

func TestCheckDigitMatchesReference(t *testing.T) {
	// Bodies of every length, with the worked sums of the reference.
	for body, wantS := range map[string]int{"159008": 86, "1439984": 154, "502267": 66, "1854729": 111, "1": 2} {
		if got, want := cuiCheckDigit(body), referenceCheckDigit(body); got != want {
			t.Errorf("cuiCheckDigit(%q) = %d, reference %d", body, got, want)
		}
		if want := (wantS * 10) % 11 % 10; cuiCheckDigit(body) != want {
			t.Errorf("cuiCheckDigit(%q) = %d, want %d from S = %d", body, cuiCheckDigit(body), want, wantS)
		}
	}
	// A deterministic sweep: exactly one last digit completes each body.
	x := uint64(88172645463325252)
	for range 5000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		n := x%999_999_999 + 1 // body 1..999999999, no leading zero
		body := strconv.FormatUint(n, 10)
		if got, want := cuiCheckDigit(body), referenceCheckDigit(body); got != want {
			t.Fatalf("cuiCheckDigit(%q) = %d, reference %d", body, got, want)
		}
		valid := 0
		for d := range 10 {
			if ValidCUI(body + strconv.Itoa(d)) {
				valid++
				if d != referenceCheckDigit(body) {
					t.Fatalf("ValidCUI(%s%d) but the reference digit is %d", body, d, referenceCheckDigit(body))
				}
			}
		}
		if valid != 1 {
			t.Fatalf("body %s: %d valid check digits", body, valid)
		}
	}
}
