package imex

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// langFamily reduces an Odoo language code to "en", "id" or "ro".
func langFamily(lang string) string {
	switch {
	case strings.HasPrefix(lang, "ro"):
		return "ro"
	case strings.HasPrefix(lang, "id"):
		return "id"
	}
	return "en"
}

var (
	groupingSpaces = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "", "’", "")
	dashes         = strings.NewReplacer("–", "-", "—", "-", "\u00a0", " ")
	currencyPrefix = regexp.MustCompile(`^(?i:rp\.?\s*|(?:[a-z]{2,4}\.?)[\s\x{00a0}]+)`)
	currencySuffix = regexp.MustCompile(`[\s\x{00a0}]+[A-Za-z]{2,4}\.?$`)
)

var plainNumber = regexp.MustCompile(`^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$`)

// parseNumber reads a number written in the user's locale ("1.234,56" in
// Romanian and Indonesian, "1,234.56" in English) or plainly ("1234.56").
// Spaces, no-break spaces and apostrophes group thousands too; a currency
// symbol or code and a percent sign around the number are ignored. A lone
// separator that cannot be a thousands separator (not followed by groups
// of three digits) is the decimal separator, whatever the language. When
// plain is set (a spreadsheet's numeric cell), a plain number is read as
// such before the locale is considered.
func parseNumber(s, lang string, plain bool) (float64, error) {
	orig := s
	s = strings.TrimSpace(s)
	if plain && plainNumber.MatchString(s) {
		return strconv.ParseFloat(s, 64)
	}
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") { // accounting negatives
		neg, s = true, s[1:len(s)-1]
	}
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.Is(unicode.Sc, r) || r == '%' || unicode.IsSpace(r) || r == '\u00a0'
	})
	// a currency code or word before or after the number: "Rp 1.500",
	// "Rp1.500", "1.234,56 RON", "100 lei"
	s = currencyPrefix.ReplaceAllString(s, "")
	s = currencySuffix.ReplaceAllString(s, "")
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "\u2212") {
		neg = !neg
		s = strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "\u2212"), " ")
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	s = groupingSpaces.Replace(s)
	if s == "" {
		return 0, errorf(i18n.N("%q is not a number"), orig)
	}
	if i := strings.IndexAny(s, "eE"); i > 0 && plainNumber.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, errorf(i18n.N("%q is not a number"), orig)
		}
		if neg {
			f = -f
		}
		return f, nil
	}
	for _, c := range s {
		if c != '.' && c != ',' && (c < '0' || c > '9') {
			return 0, errorf(i18n.N("%q is not a number"), orig)
		}
	}
	thou := ","
	if fam := langFamily(lang); fam == "ro" || fam == "id" {
		thou = "."
	}
	bad := errorf(i18n.N("%q is not a number (misplaced separators)"), orig)
	num := s
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	switch {
	case dots > 0 && commas > 0:
		// both: the last one is the decimal separator, the other groups
		dec, grp := ".", ","
		if strings.LastIndex(s, ",") > strings.LastIndex(s, ".") {
			dec, grp = ",", "."
		}
		if strings.Count(s, dec) > 1 {
			return 0, bad
		}
		i := strings.LastIndex(s, dec)
		intPart, frac := s[:i], s[i+1:]
		if !groupedBy(intPart, grp) {
			return 0, bad
		}
		num = strings.ReplaceAll(intPart, grp, "") + "." + frac
	case dots+commas > 0:
		sep := "."
		if commas > 0 {
			sep = ","
		}
		switch {
		case dots+commas > 1:
			if !groupedBy(s, sep) {
				return 0, bad
			}
			num = strings.ReplaceAll(s, sep, "")
		case groupedBy(s, sep) && sep == thou:
			num = strings.ReplaceAll(s, sep, "")
		default:
			num = strings.Replace(s, sep, ".", 1)
		}
	}
	if num == "." || strings.HasSuffix(num, ".") && len(num) == 1 {
		return 0, errorf(i18n.N("%q is not a number"), orig)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errorf(i18n.N("%q is not a number"), orig)
	}
	if neg {
		f = -f
	}
	return f, nil
}

// groupedBy tells whether sep separates s into thousands groups: 1 to 3
// digits, then groups of exactly 3.
func groupedBy(s, sep string) bool {
	parts := strings.Split(s, sep)
	if len(parts) < 2 || len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

// boolWords are the yes and no words of the three languages.
var boolWords = map[string]bool{
	"1": true, "0": false, "yes": true, "no": false, "y": true, "n": false, "true": true, "false": false,
	"t": true, "f": false, "on": true, "off": false, "x": true, "✓": true, "✔": true,
	"da": true, "nu": false, "adevărat": true, "adevarat": true, "fals": false,
	"ya": true, "tidak": false, "benar": true, "salah": false, "iya": true, "tdk": false,
}

func parseBool(s string) (bool, error) {
	if b, ok := boolWords[strings.ToLower(strings.TrimSpace(s))]; ok {
		return b, nil
	}
	return false, errorf(i18n.N("%q is not a yes/no value (yes/no, true/false, 1/0, da/nu, ya/tidak)"), s)
}

var (
	isoDateRe  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$`)
	localDate  = regexp.MustCompile(`^(\d{1,2})([./-])(\d{1,2})([./-])(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$`)
	serialDate = regexp.MustCompile(`^\d+(\.\d+)?$`)
)

// dateParts is a parsed date and optional time; zone is set when the text
// carried one (Z or an offset).
type dateParts struct {
	y, m, d, hh, mm, ss, ns int
	hasTime                 bool
	zone                    *time.Location
}

// parseDateParts reads ISO dates (2026-12-31, with an optional time and
// zone) in any language, and local dates by the user's language: day
// first with dots in every language (31.12.2026), with slashes or dashes
// month first in English (12/31/2026) and day first in Indonesian and
// Romanian (31/12/2026). Two-digit years are 20xx. When excel is set, a
// number is an Excel serial date (a spreadsheet's date cell).
func parseDateParts(s, lang string, excel, date1904 bool) (dateParts, error) {
	s = strings.TrimSpace(s)
	var p dateParts
	if excel && serialDate.MatchString(s) {
		f, _ := strconv.ParseFloat(s, 64)
		t, err := excelize.ExcelDateToTime(f, date1904)
		if err != nil || f < 1 {
			return p, errorf(i18n.N("%q is not a date"), s)
		}
		t = t.Round(time.Second)
		p = dateParts{y: t.Year(), m: int(t.Month()), d: t.Day(), hh: t.Hour(), mm: t.Minute(), ss: t.Second(), hasTime: f != math.Trunc(f)}
		return p, nil
	}
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	if m := isoDateRe.FindStringSubmatch(s); m != nil {
		p = dateParts{y: atoi(m[1]), m: atoi(m[2]), d: atoi(m[3])}
		if m[4] != "" {
			p.hasTime, p.hh, p.mm, p.ss = true, atoi(m[4]), atoi(m[5]), atoi(m[6])
			if m[7] != "" {
				frac := (m[7] + "000000000")[:9]
				p.ns = atoi(frac)
			}
		}
		if z := m[8]; z != "" {
			if z == "Z" {
				p.zone = time.UTC
			} else {
				t, err := time.Parse("-0700", strings.ReplaceAll(z, ":", ""))
				if err != nil {
					return p, errorf(i18n.N("%q: bad time zone"), s)
				}
				p.zone = t.Location()
			}
		}
	} else if m := localDate.FindStringSubmatch(s); m != nil {
		a, b := atoi(m[1]), atoi(m[3])
		if m[2] != m[4] {
			return p, errorf(i18n.N("%q is not a date"), s)
		}
		p.y = atoi(m[5])
		if len(m[5]) == 2 {
			p.y += 2000
		}
		if m[2] != "." && langFamily(lang) == "en" {
			p.m, p.d = a, b
		} else {
			p.d, p.m = a, b
		}
		if m[6] != "" {
			p.hasTime, p.hh, p.mm, p.ss = true, atoi(m[6]), atoi(m[7]), atoi(m[8])
			switch strings.ToLower(m[9]) {
			case "pm":
				if p.hh < 12 {
					p.hh += 12
				}
			case "am":
				if p.hh == 12 {
					p.hh = 0
				}
			}
		}
	} else {
		return p, errorf(i18n.N("%q is not a date (write it as %s or YYYY-MM-DD)"), s, dateHint(lang))
	}
	if p.m < 1 || p.m > 12 || p.d < 1 || p.d > 31 || p.hh > 23 || p.mm > 59 || p.ss > 60 {
		return p, errorf(i18n.N("%q is not a valid date (expected %s or YYYY-MM-DD)"), s, dateHint(lang))
	}
	t := time.Date(p.y, time.Month(p.m), p.d, 0, 0, 0, 0, time.UTC)
	if t.Day() != p.d {
		last := t.AddDate(0, 0, -t.Day()) // the last day of the month asked for
		return p, errorf(i18n.N("%q is not a valid date: %s %d has no day %d"), s, Term(last.Month().String()), last.Year(), p.d)
	}
	return p, nil
}

func dateHint(lang string) string {
	switch langFamily(lang) {
	case "ro":
		return "DD.MM.YYYY"
	case "id":
		return "DD/MM/YYYY"
	}
	return "MM/DD/YYYY"
}

// parseDate returns an ORM date ("YYYY-MM-DD").
func parseDate(s, lang string, excel, date1904 bool) (string, error) {
	p, err := parseDateParts(s, lang, excel, date1904)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%04d-%02d-%02d", p.y, p.m, p.d), nil
}

// parseDatetime returns a UTC time; a text without a zone is in loc (the
// user's time zone), as spreadsheets and other CRMs' exports write them.
func parseDatetime(s, lang string, loc *time.Location, excel, date1904 bool) (time.Time, error) {
	p, err := parseDateParts(s, lang, excel, date1904)
	if err != nil {
		return time.Time{}, err
	}
	z := p.zone
	if z == nil {
		z = loc
	}
	return time.Date(p.y, time.Month(p.m), p.d, p.hh, p.mm, p.ss, p.ns, z).UTC(), nil
}

// matchSelection finds a selection key by key or label (English,
// Indonesian or Romanian), ignoring case.
func matchSelection(f *orm.Field, s string) (string, error) {
	n := normalize(s)
	for _, opt := range f.Selection {
		if normalize(opt[0]) == n {
			return opt[0], nil
		}
	}
	for _, opt := range f.Selection {
		for _, l := range i18n.Languages {
			if normalize(i18n.T(l, opt[1])) == n {
				return opt[0], nil
			}
		}
	}
	labels := make(Terms, len(f.Selection))
	for i, opt := range f.Selection {
		labels[i] = opt[1]
	}
	return "", errorf(i18n.N("%q is not one of %s"), s, labels)
}

// normalize prepares a header or a name for comparison: trimmed, lower
// case, inner spaces collapsed, en and em dashes as hyphens, a trailing
// "*" (a required-column mark) dropped.
func normalize(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = dashes.Replace(s)
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimSpace(strings.TrimSuffix(s, "*"))
	return strings.Join(strings.Fields(s), " ")
}

var errEmpty = errors.New("empty")
