// Package i18n translates the strings users read and formats numbers,
// money and dates in the user's language. English is the source
// language; Indonesian and Romanian catalogues map each English string
// to its translation.
package i18n

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Languages Kanso speaks, by Odoo code.
var Languages = []string{"en_US", "id_ID", "ro_RO"}

// T translates msg into lang; unknown strings stay in English.
func T(lang, msg string) string {
	if c := catalog(lang); c != nil {
		if s, ok := c[msg]; ok && s != "" {
			return s
		}
	}
	return msg
}

// Tf translates a format string and fills it in.
func Tf(lang, format string, args ...any) string { return fmt.Sprintf(T(lang, format), args...) }

func catalog(lang string) map[string]string {
	switch lang {
	case "id_ID", "id":
		return indonesian
	case "ro_RO", "ro":
		return romanian
	}
	return nil
}

// Missing lists the strings of msgs that lang has no translation for.
func Missing(lang string, msgs []string) []string {
	c := catalog(lang)
	var out []string
	for _, m := range msgs {
		if s, ok := c[m]; !ok || s == "" {
			out = append(out, m)
		}
	}
	return out
}

// separators gives the decimal and thousands separators of a language.
func separators(lang string) (dec, thou string) {
	switch lang {
	case "id_ID", "ro_RO", "id", "ro":
		return ",", "."
	}
	return ".", ","
}

// Number formats f with the given decimals in lang's style.
func Number(lang string, f float64, decimals int) string {
	dec, thou := separators(lang)
	neg := f < 0
	f = math.Abs(f)
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thou)
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += dec + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Currency is what money formatting needs of res.currency.
type Currency struct {
	Symbol   string
	Decimals int
	Before   bool
}

// Money formats an amount with its currency symbol.
func Money(lang string, f float64, c Currency) string {
	n := Number(lang, f, c.Decimals)
	if c.Symbol == "" {
		return n
	}
	if c.Before {
		return c.Symbol + "\u00a0" + n
	}
	return n + "\u00a0" + c.Symbol
}

// Compact formats large amounts shortly (12k, 3.2M) for kanban headers.
func Compact(lang string, f float64, c Currency) string {
	abs := math.Abs(f)
	var n string
	switch {
	case abs >= 1e6:
		n = Number(lang, f/1e6, 1) + "M"
	case abs >= 1e4:
		n = Number(lang, f/1e3, 0) + "k"
	default:
		n = Number(lang, f, 0)
	}
	if c.Symbol == "" {
		return n
	}
	if c.Before {
		return c.Symbol + n
	}
	return n + "\u00a0" + c.Symbol
}

// Date formats a date in lang's order.
func Date(lang string, t time.Time) string {
	switch lang {
	case "id_ID", "id":
		return t.Format("02/01/2006")
	case "ro_RO", "ro":
		return t.Format("02.01.2006")
	}
	return t.Format("01/02/2006")
}

// DateTime formats a date and time in the given zone.
func DateTime(lang string, t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	return Date(lang, t) + " " + t.Format("15:04")
}

// N marks a string for translation where it is defined (default data:
// stage names, lost reasons, timeline notes) and returns it unchanged; the
// pages translate it with T when they show it.
func N(s string) string { return s }
