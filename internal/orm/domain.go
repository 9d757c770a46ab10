package orm

import (
	"fmt"
	"strings"
)

// Domain is a parsed search domain (Odoo's prefix-notation filter).
type Domain interface{ isDomain() }

// And, Or and Not combine domains; Leaf is one condition; Const is TRUE or
// FALSE.
type (
	And   []Domain
	Or    []Domain
	Not   struct{ D Domain }
	Const bool
	Leaf  struct {
		Path  string
		Op    string
		Value any
	}
)

func (And) isDomain()   {}
func (Or) isDomain()    {}
func (Not) isDomain()   {}
func (Const) isDomain() {}
func (Leaf) isDomain()  {}

var operators = map[string]bool{
	"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true, "=?": true,
	"=like": true, "=ilike": true, "like": true, "not like": true, "ilike": true, "not ilike": true,
	"in": true, "not in": true, "child_of": true, "parent_of": true, "any": true, "not any": true,
}

// ParseDomain turns the JSON/XML-RPC form of a domain (a list of "&", "|",
// "!" and [path, operator, value] triples) into a Domain. It checks the
// shape only; field names are checked when the domain is compiled
// against a model.
func ParseDomain(v any) (Domain, error) {
	if v == nil || v == false {
		return And{}, nil
	}
	items, ok := v.([]any)
	if !ok {
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			return And{}, nil
		}
		return nil, ValidationErrorf("Invalid domain: expected a list, got %s", describe(v))
	}
	p := &domainParser{items: items}
	var parts []Domain
	for p.pos < len(items) {
		d, err := p.next()
		if err != nil {
			return nil, err
		}
		parts = append(parts, d)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return And(parts), nil
}

type domainParser struct {
	items []any
	pos   int
}

func (p *domainParser) next() (Domain, error) {
	if p.pos >= len(p.items) {
		return nil, ValidationErrorf("Invalid domain: an operator is missing its operands")
	}
	it := p.items[p.pos]
	p.pos++
	switch x := it.(type) {
	case string:
		switch x {
		case "&", "|":
			a, err := p.next()
			if err != nil {
				return nil, err
			}
			b, err := p.next()
			if err != nil {
				return nil, err
			}
			if x == "&" {
				return And{a, b}, nil
			}
			return Or{a, b}, nil
		case "!":
			a, err := p.next()
			if err != nil {
				return nil, err
			}
			return Not{a}, nil
		}
		return nil, ValidationErrorf("Invalid domain: unknown domain operator %q", x)
	case []any:
		return parseLeaf(x)
	case bool:
		return Const(x), nil
	}
	return nil, ValidationErrorf("Invalid domain: unexpected item %s", describe(it))
}

func parseLeaf(x []any) (Domain, error) {
	if len(x) != 3 {
		return nil, ValidationErrorf("Invalid domain: a condition needs 3 items (field, operator, value), got %d", len(x))
	}
	op, ok := x[1].(string)
	if !ok {
		return nil, ValidationErrorf("Invalid domain: operator must be a string, got %s", describe(x[1]))
	}
	// (1, '=', 1) is TRUE and (0, '=', 1) is FALSE.
	if n, isNum := asInt(x[0]); isNum && op == "=" {
		if m, ok := asInt(x[2]); ok && m == 1 && (n == 0 || n == 1) {
			return Const(n == 1), nil
		}
	}
	path, ok := x[0].(string)
	if !ok || path == "" {
		return nil, ValidationErrorf("Invalid domain: field must be a non-empty string, got %s", describe(x[0]))
	}
	switch op {
	case "<>":
		op = "!="
	case "==":
		op = "="
	}
	if !operators[op] {
		return nil, ValidationErrorf("Invalid domain: unknown operator %q in condition on %q", x[1], path)
	}
	val := x[2]
	if op == "any" || op == "not any" {
		sub, err := ParseDomain(val)
		if err != nil {
			return nil, err
		}
		val = sub
	}
	return Leaf{Path: path, Op: op, Value: val}, nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%v", v)
}

// asInt accepts the integer forms values arrive in (JSON numbers are
// normalised to int64 or float64 at the edge).
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case bool:
		return 0, false
	}
	return 0, false
}

// mentionsActive tells whether the domain has a leaf on the model's own
// active field, which switches the implicit active filter off.
func mentionsActive(d Domain) bool {
	switch x := d.(type) {
	case And:
		for _, c := range x {
			if mentionsActive(c) {
				return true
			}
		}
	case Or:
		for _, c := range x {
			if mentionsActive(c) {
				return true
			}
		}
	case Not:
		return mentionsActive(x.D)
	case Leaf:
		return x.Path == "active"
	}
	return false
}

// DomainToList renders a Domain back to the list form (for __domain).
func DomainToList(d Domain) []any {
	out := []any{}
	var walk func(Domain)
	walk = func(d Domain) {
		switch x := d.(type) {
		case And:
			if len(x) == 0 {
				out = append(out, []any{int64(1), "=", int64(1)})
				return
			}
			for i := 0; i < len(x)-1; i++ {
				out = append(out, "&")
			}
			for _, c := range x {
				walk(c)
			}
		case Or:
			if len(x) == 0 {
				out = append(out, []any{int64(0), "=", int64(1)})
				return
			}
			for i := 0; i < len(x)-1; i++ {
				out = append(out, "|")
			}
			for _, c := range x {
				walk(c)
			}
		case Not:
			out = append(out, "!")
			walk(x.D)
		case Const:
			if x {
				out = append(out, []any{int64(1), "=", int64(1)})
			} else {
				out = append(out, []any{int64(0), "=", int64(1)})
			}
		case Leaf:
			v := x.Value
			if sub, ok := v.(Domain); ok {
				v = DomainToList(sub)
			}
			out = append(out, []any{x.Path, x.Op, v})
		}
	}
	if IsTrue(d) {
		return out
	}
	walk(d)
	return out
}

// Simplify folds the constants out of d: TRUE disappears from an And and
// makes an Or TRUE, FALSE the other way round. The result is And{} when d
// is always true, Const(false) when it is never. Record rules go through it,
// so a manager's "all leads" rule OR-ed with "own leads" costs nothing.
func Simplify(d Domain) Domain {
	switch x := d.(type) {
	case Const:
		if x {
			return And{}
		}
		return x
	case And:
		out := And{}
		for _, c := range x {
			s := Simplify(c)
			if IsTrue(s) {
				continue
			}
			if s == Const(false) {
				return Const(false)
			}
			out = append(out, s)
		}
		if len(out) == 1 {
			return out[0]
		}
		return out
	case Or:
		if len(x) == 0 {
			return Const(false)
		}
		out := Or{}
		for _, c := range x {
			s := Simplify(c)
			if IsTrue(s) {
				return And{}
			}
			if s == Const(false) {
				continue
			}
			out = append(out, s)
		}
		switch len(out) {
		case 0:
			return Const(false)
		case 1:
			return out[0]
		}
		return out
	case Not:
		s := Simplify(x.D)
		if IsTrue(s) {
			return Const(false)
		}
		if s == Const(false) {
			return And{}
		}
		return Not{D: s}
	}
	return d
}

// IsTrue reports whether d is the empty And, the domain that keeps every
// record (what Simplify returns for anything always true).
func IsTrue(d Domain) bool {
	a, ok := d.(And)
	return ok && len(a) == 0
}
