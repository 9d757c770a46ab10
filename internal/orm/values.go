package orm

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/db"
)

// Normalize turns decoded JSON (with json.Number) into the ORM's value
// forms: integral numbers become int64, others float64; maps and lists
// are normalised recursively.
func Normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case int:
		return int64(x)
	case []any:
		for i := range x {
			x[i] = Normalize(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = Normalize(x[k])
		}
		return x
	}
	return v
}

// ParseDatetime accepts Odoo's datetime forms (with or without fraction,
// with a T, or a bare date) as UTC.
func ParseDatetime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02 15:04", "2006-01-02T15:04:05Z07:00", "2006-01-02", "20060102T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a datetime (expected YYYY-MM-DD HH:MM:SS)", s)
}

// ParseDate accepts "YYYY-MM-DD" (a datetime's date part is kept).
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 10 {
		if t, err := time.Parse(db.DateLayout, s[:10]); err == nil && (len(s) == 10 || s[10] == ' ' || s[10] == 'T') {
			return t.Format(db.DateLayout), nil
		}
	}
	return "", fmt.Errorf("%q is not a date (expected YYYY-MM-DD)", s)
}

// isFalsy is Python's truthiness for values used as "unset".
func isFalsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case int64:
		return x == 0
	case float64:
		return x == 0
	}
	return false
}

// Convert checks an input value for a stored, non-x2many field and returns
// its canonical form (nil for unset).
func (f *Field) Convert(v any) (any, error) {
	if v == nil || v == false {
		// unset numbers are zero and unset booleans false, as Odoo reads them
		switch f.Type {
		case Integer:
			return int64(0), nil
		case Float, Monetary:
			return 0.0, nil
		case Boolean:
			return false, nil
		}
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, ValidationErrorf("Invalid value for field %q (%s): %s", f.Name, f.Type, describe(v))
	}
	switch f.Type {
	case Char, Text, HTML:
		switch x := v.(type) {
		case string:
			if f.Type == Char && strings.ContainsAny(x, "\x00") {
				return bad()
			}
			return x, nil
		case int64, float64:
			return fmt.Sprint(x), nil
		}
		return bad()
	case Selection:
		s, ok := v.(string)
		if !ok {
			if n, isInt := asInt(v); isInt {
				s = strconv.FormatInt(n, 10)
			} else {
				return bad()
			}
		}
		for _, opt := range f.Selection {
			if opt[0] == s {
				return s, nil
			}
		}
		return nil, ValidationErrorf("Wrong value for %s: %q is not one of %s", f.Name, s, selectionKeys(f))
	case Integer:
		if n, ok := asInt(v); ok {
			return n, nil
		}
		if b, ok := v.(bool); ok && b {
			return int64(1), nil
		}
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				return n, nil
			}
		}
		return bad()
	case Float, Monetary:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return bad()
			}
			return x, nil
		case int64:
			return float64(x), nil
		case int:
			return float64(x), nil
		case string:
			if g, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsNaN(g) && !math.IsInf(g, 0) {
				return g, nil
			}
		}
		return bad()
	case Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
		return bad()
	case Date:
		switch x := v.(type) {
		case string:
			d, err := ParseDate(x)
			if err != nil {
				return nil, ValidationErrorf("Invalid value for field %q: %s", f.Name, err)
			}
			return d, nil
		case time.Time:
			return x.Format(db.DateLayout), nil
		}
		return bad()
	case Datetime:
		switch x := v.(type) {
		case string:
			t, err := ParseDatetime(x)
			if err != nil {
				return nil, ValidationErrorf("Invalid value for field %q: %s", f.Name, err)
			}
			return t, nil
		case time.Time:
			return x.UTC(), nil
		}
		return bad()
	case Many2one:
		switch x := v.(type) {
		case []any: // [id, name] as read returns it
			if len(x) > 0 {
				if n, ok := asInt(x[0]); ok && n > 0 {
					return n, nil
				}
			}
		default:
			if n, ok := asInt(v); ok && n > 0 {
				return n, nil
			}
		}
		return bad()
	case Binary:
		switch x := v.(type) {
		case string:
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, ValidationErrorf("Invalid value for field %q: binary values are base64", f.Name)
			}
			return b, nil
		case []byte:
			return x, nil
		}
		return bad()
	}
	return bad()
}

func selectionKeys(f *Field) string {
	keys := make([]string, len(f.Selection))
	for i, s := range f.Selection {
		keys[i] = strconv.Quote(s[0])
	}
	return strings.Join(keys, ", ")
}

// Param turns a canonical value into a bound SQL parameter.
func (f *Field) Param(d db.Dialect, v any) any {
	if v == nil {
		return nil
	}
	switch f.Type {
	case Boolean:
		return d.BoolParam(v.(bool))
	case Datetime:
		return d.TimeParam(v.(time.Time))
	case Date:
		t, _ := time.Parse(db.DateLayout, v.(string))
		return d.DateParam(t)
	}
	return v
}

// scan turns what the driver returned into a canonical value.
func (f *Field) scan(raw any) any {
	if raw == nil {
		return nil
	}
	switch f.Type {
	case Integer, Many2one:
		switch x := raw.(type) {
		case int64:
			return x
		case int32:
			return int64(x)
		case float64:
			return int64(x)
		}
	case Float, Monetary:
		switch x := raw.(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		case string:
			g, _ := strconv.ParseFloat(x, 64)
			return g
		}
	case Boolean:
		switch x := raw.(type) {
		case bool:
			return x
		case int64:
			return x != 0
		}
	case Date:
		switch x := raw.(type) {
		case time.Time:
			return x.Format(db.DateLayout)
		case string:
			if len(x) >= 10 {
				return x[:10]
			}
			return x
		}
	case Datetime:
		switch x := raw.(type) {
		case time.Time:
			return x.UTC()
		case string:
			t, err := ParseDatetime(x)
			if err == nil {
				return t
			}
			return nil
		}
	case Binary:
		switch x := raw.(type) {
		case []byte:
			return append([]byte(nil), x...)
		case string:
			return []byte(x)
		}
	default:
		switch x := raw.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		}
	}
	return raw
}

// Export renders a canonical value as Odoo's API does: unset values are
// false (0 and 0.0 for numbers), dates and datetimes are strings,
// many2one is [id, display_name] (or a bare id when names is nil).
func (f *Field) Export(v any, names map[int64]string, withNames bool) any {
	if f.Secret {
		return false
	}
	switch f.Type {
	case Integer:
		if v == nil {
			return int64(0)
		}
		return v
	case Float, Monetary:
		if v == nil {
			return 0.0
		}
		return v
	case Boolean:
		if v == nil {
			return false
		}
		return v
	case Datetime:
		if v == nil {
			return false
		}
		return v.(time.Time).Format(db.DatetimeLayout)
	case Many2one:
		if v == nil {
			return false
		}
		id := v.(int64)
		if !withNames {
			return id
		}
		return []any{id, names[id]}
	case One2many, Many2many:
		if v == nil {
			return []int64{}
		}
		return v
	case Binary:
		if v == nil {
			return false
		}
		return base64.StdEncoding.EncodeToString(v.([]byte))
	}
	if v == nil {
		return false
	}
	return v
}
