package lookup

import (
	"fmt"
	"unicode"
)

// Romanian tax codes (CUI, also called CIF). Rules from the reference,
// ../shared/reference/external-formats.md §1.1:
//
//   - normalise: trim, drop spaces, dashes and dots, upper-case, strip a
//     leading "RO" (the prefix only says "registered for VAT");
//   - then 2 to 10 digits, the last one being the check digit, no leading 0;
//   - check digit: the body (all digits but the last) left-padded with zeros
//     to 9 digits, multiplied digit by digit with the key 753217532 and summed
//     to S; the check digit is (S*10) mod 11, where 10 becomes 0.

// CUI length limits, check digit included.
const (
	cuiMinDigits = 2
	cuiMaxDigits = 10
)

// cuiKey is the control key of the check digit, aligned to a 9-digit body.
const cuiKey = "753217532"

// CUIProblem says what is wrong with a Romanian tax code.
type CUIProblem int

// The problems NormalizeCUI reports, in the order it checks them.
const (
	CUIEmpty       CUIProblem = iota + 1 // nothing but spaces, or only "RO"
	CUINotDigits                         // a character other than a digit or a separator
	CUITooShort                          // fewer than 2 digits
	CUITooLong                           // more than 10 digits
	CUILeadingZero                       // the first digit is 0
	CUICheckDigit                        // the last digit is not the computed check digit
)

// InvalidCodeError is the validation error for a tax code that cannot be
// right. It is returned before any network call; errors.Is(err,
// ErrInvalidCode) holds. Error() is an English sentence for the user.
type InvalidCodeError struct {
	Country string     // ISO country of the rule, "RO"
	Input   string     // the text as typed
	Digits  string     // the digits after normalisation, when they could be extracted
	HadRO   bool       // the input carried the RO prefix
	Problem CUIProblem // what is wrong
	Char    rune       // CUINotDigits: the first character that is not allowed, as typed
	Count   int        // CUITooShort, CUITooLong: how many digits there are
	// CUICheckDigit: the digit the algorithm expects and the one typed.
	Expected, Got int
}

func (e *InvalidCodeError) Error() string {
	const what = "the Romanian tax code (CUI)"
	switch e.Problem {
	case CUIEmpty:
		if e.HadRO {
			return what + " has no digits after the RO prefix"
		}
		return what + " is empty"
	case CUINotDigits:
		return fmt.Sprintf("%s may contain only digits, after an optional RO prefix; %q is not allowed", what, string(e.Char))
	case CUITooShort:
		return fmt.Sprintf("%s is too short: it needs at least %d digits (the last one is the check digit), this one has %d",
			what, cuiMinDigits, e.Count)
	case CUITooLong:
		return fmt.Sprintf("%s is too long: it has at most %d digits, this one has %d", what, cuiMaxDigits, e.Count)
	case CUILeadingZero:
		return what + " cannot start with 0"
	case CUICheckDigit:
		return fmt.Sprintf("%s %s has a wrong check digit: the last digit should be %d, not %d; check for a typing error",
			what, e.Digits, e.Expected, e.Got)
	}
	return what + " is not valid"
}

// Unwrap lets errors.Is(err, ErrInvalidCode) match.
func (e *InvalidCodeError) Unwrap() error { return ErrInvalidCode }

// NormalizeCUI turns what a user typed ("RO 1234567", "ro1234567",
// " 14399840 ", "14 399 840", "14.399.840") into the bare digits of the CUI and
// checks it completely: characters, length, leading zero and check digit.
// hadRO tells whether the input carried the RO (VAT) prefix. Errors are
// *InvalidCodeError; on a wrong check digit the error still carries the
// normalised digits.
func NormalizeCUI(s string) (digits string, hadRO bool, err error) {
	invalid := func(p CUIProblem) *InvalidCodeError {
		return &InvalidCodeError{Country: "RO", Input: s, Problem: p, HadRO: hadRO}
	}
	// Drop separators (any white space, dashes, dots), keep the rest as typed.
	kept := make([]rune, 0, len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || r == '-' || r == '.' {
			continue
		}
		kept = append(kept, r)
	}
	if len(kept) >= 2 && unicode.ToUpper(kept[0]) == 'R' && unicode.ToUpper(kept[1]) == 'O' {
		hadRO = true
		kept = kept[2:]
	}
	if len(kept) == 0 {
		return "", hadRO, invalid(CUIEmpty)
	}
	for _, r := range kept {
		if r < '0' || r > '9' {
			e := invalid(CUINotDigits)
			e.Char = r
			return "", hadRO, e
		}
	}
	digits = string(kept)
	switch {
	case len(digits) < cuiMinDigits:
		e := invalid(CUITooShort)
		e.Digits, e.Count = digits, len(digits)
		return "", hadRO, e
	case len(digits) > cuiMaxDigits:
		e := invalid(CUITooLong)
		e.Digits, e.Count = digits, len(digits)
		return "", hadRO, e
	case digits[0] == '0':
		e := invalid(CUILeadingZero)
		e.Digits = digits
		return "", hadRO, e
	}
	want := cuiCheckDigit(digits[:len(digits)-1])
	if got := int(digits[len(digits)-1] - '0'); got != want {
		e := invalid(CUICheckDigit)
		e.Digits, e.Expected, e.Got = digits, want, got
		return "", hadRO, e
	}
	return digits, hadRO, nil
}

// ValidCUI reports whether digits is a complete, normalised CUI: 2 to 10 ASCII
// digits, no leading zero, and the right check digit. It does not accept the
// RO prefix or separators; use NormalizeCUI for user input.
func ValidCUI(digits string) bool {
	if len(digits) < cuiMinDigits || len(digits) > cuiMaxDigits || digits[0] == '0' {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return cuiCheckDigit(digits[:len(digits)-1]) == int(digits[len(digits)-1]-'0')
}

// cuiCheckDigit computes the check digit of a body of 1 to 9 ASCII digits:
// the key is aligned to the right end of the body (the same as left-padding the
// body with zeros to 9 digits), S is the sum of the products, and the digit is
// (S*10) mod 11 with 10 becoming 0.
func cuiCheckDigit(body string) int {
	off := len(cuiKey) - len(body)
	s := 0
	for i := 0; i < len(body); i++ {
		s += int(body[i]-'0') * int(cuiKey[off+i]-'0')
	}
	c := s * 10 % 11
	if c == 10 {
		c = 0
	}
	return c
}
