package orm

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Perm is one of the four access operations.
type Perm string

const (
	PermRead   Perm = "read"
	PermWrite  Perm = "write"
	PermCreate Perm = "create"
	PermUnlink Perm = "unlink"
)

type modelAccess struct {
	allowed map[Perm]bool
	rules   map[Perm]Domain
}

// access loads the acting user's rights on a model: the model access
// rows (ir.model.access) of the user's groups and the record rules
// (ir.rule): global rules are AND-ed, group rules OR-ed together.
func (e *Env) access(m *Model) (*modelAccess, error) {
	if a := e.st.access[m.Name]; a != nil {
		return a, nil
	}
	u, err := e.User()
	if err != nil {
		return nil, err
	}
	if a := e.cache.accessOf(e.UID, m.Name, e.Now); a != nil && !e.st.securityChanged() {
		e.st.access[m.Name] = a
		return a, nil
	}
	if err != nil {
		return nil, err
	}
	a := &modelAccess{allowed: map[Perm]bool{}, rules: map[Perm]Domain{}}
	groups := map[int64]bool{}
	for _, g := range u.GroupIDs {
		groups[g] = true
	}
	rows, err := e.Query(`SELECT group_id, perm_read, perm_write, perm_create, perm_unlink
		FROM ir_model_access WHERE model = ? AND active = ?`, m.Name, e.Dialect.BoolParam(true))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var gid *int64
		var pr, pw, pc, pu bool
		if err := rows.Scan(&gid, &pr, &pw, &pc, &pu); err != nil {
			rows.Close()
			return nil, fmt.Errorf("orm: read access rights: %w", err)
		}
		if gid != nil && !groups[*gid] {
			continue
		}
		a.allowed[PermRead] = a.allowed[PermRead] || pr
		a.allowed[PermWrite] = a.allowed[PermWrite] || pw
		a.allowed[PermCreate] = a.allowed[PermCreate] || pc
		a.allowed[PermUnlink] = a.allowed[PermUnlink] || pu
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orm: read access rights: %w", err)
	}
	type rule struct {
		domain Domain
		perms  map[Perm]bool
		global bool
		mine   bool
	}
	rrows, err := e.Query(`SELECT r.id, r.domain_force, r.perm_read, r.perm_write, r.perm_create, r.perm_unlink
		FROM ir_rule r WHERE r.model = ? AND r.active = ? ORDER BY r.id`, m.Name, e.Dialect.BoolParam(true))
	if err != nil {
		return nil, err
	}
	var rules []*rule
	byID := map[int64]*rule{}
	for rrows.Next() {
		var id int64
		var dom string
		var pr, pw, pc, pu bool
		if err := rrows.Scan(&id, &dom, &pr, &pw, &pc, &pu); err != nil {
			rrows.Close()
			return nil, fmt.Errorf("orm: read record rules: %w", err)
		}
		d, err := e.evalRuleDomain(dom, u)
		if err != nil {
			rrows.Close()
			return nil, fmt.Errorf("orm: record rule %d on %s: %w", id, m.Name, err)
		}
		r := &rule{domain: d, global: true, perms: map[Perm]bool{PermRead: pr, PermWrite: pw, PermCreate: pc, PermUnlink: pu}}
		rules = append(rules, r)
		byID[id] = r
	}
	rrows.Close()
	if len(rules) > 0 {
		grows, err := e.Query(`SELECT g.rule_group_id, g.group_id FROM rule_group_rel g
			JOIN ir_rule r ON r.id = g.rule_group_id WHERE r.model = ?`, m.Name)
		if err != nil {
			return nil, err
		}
		for grows.Next() {
			var rid, gid int64
			if err := grows.Scan(&rid, &gid); err != nil {
				grows.Close()
				return nil, fmt.Errorf("orm: read rule groups: %w", err)
			}
			if r := byID[rid]; r != nil {
				r.global = false
				if groups[gid] {
					r.mine = true
				}
			}
		}
		grows.Close()
	}
	for _, p := range []Perm{PermRead, PermWrite, PermCreate, PermUnlink} {
		var global And
		var group Or
		for _, r := range rules {
			if !r.perms[p] {
				continue
			}
			if r.global {
				global = append(global, r.domain)
			} else if r.mine {
				group = append(group, r.domain)
			}
		}
		if len(group) > 0 {
			global = append(global, group)
		}
		a.rules[p] = Simplify(global)
	}
	e.st.access[m.Name] = a
	if !e.st.securityChanged() {
		e.cache.putAccess(e.UID, m.Name, a)
	}
	return a, nil
}

// ParseRuleDomain parses a record rule's domain for user u.
func (e *Env) ParseRuleDomain(src string, u *UserInfo) (Domain, error) {
	return e.evalRuleDomain(src, u)
}

// evalRuleDomain parses a rule's domain, written as JSON with the
// placeholders "$uid", "$partner_id", "$company_id" and "$company_ids".
func (e *Env) evalRuleDomain(src string, u *UserInfo) (Domain, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("domain is not JSON: %w", err)
	}
	var subst func(any) any
	subst = func(x any) any {
		switch t := x.(type) {
		case string:
			switch t {
			case "$uid":
				return u.ID
			case "$partner_id":
				return u.PartnerID
			case "$company_id":
				return u.CompanyID
			case "$company_ids":
				return []any{u.CompanyID}
			}
		case []any:
			for i := range t {
				t[i] = subst(t[i])
			}
		}
		return x
	}
	return ParseDomain(subst(Normalize(v)))
}

// CheckAccess raises an AccessError when the user may not perform perm on
// the model at all.
func (e *Env) CheckAccess(m *Model, p Perm) error {
	if e.Su {
		return nil
	}
	a, err := e.access(m)
	if err != nil {
		return err
	}
	if !a.allowed[p] {
		return AccessErrorf("You are not allowed to %s '%s' (%s) records.", accessVerb(p), m.Description, m.Name)
	}
	return nil
}

func accessVerb(p Perm) string {
	switch p {
	case PermRead:
		return "access"
	case PermWrite:
		return "modify"
	case PermCreate:
		return "create"
	}
	return "delete"
}

// ruleDomain is the record-rule restriction for perm (TRUE for sudo).
// RuleDomain is the record rule the user gets on m for p, simplified:
// And{} when nothing restricts the user.
func (e *Env) RuleDomain(m *Model, p Perm) (Domain, error) { return e.ruleDomain(m, p) }

func (e *Env) ruleDomain(m *Model, p Perm) (Domain, error) {
	if e.Su {
		return And{}, nil
	}
	a, err := e.access(m)
	if err != nil {
		return nil, err
	}
	return a.rules[p], nil
}

// checkFieldGroups refuses fields restricted to groups the user lacks.
func (e *Env) checkFieldGroups(f *Field) error {
	if len(f.Groups) == 0 || e.Su || e.fieldAllowed(f) {
		return nil
	}
	return AccessErrorf("You do not have enough rights to access the field %q on %s.", f.Name, f.model.Name)
}

func (e *Env) fieldAllowed(f *Field) bool {
	if len(f.Groups) == 0 || e.Su {
		return true
	}
	for _, g := range f.Groups {
		if e.HasGroup(g) {
			return true
		}
	}
	return false
}

// checkCreated checks the create rules on records just created. When no
// rule restricts the user there is nothing to ask the database: the
// records exist, they were just inserted.
func (e *Env) checkCreated(m *Model, ids []int64) error {
	rule, err := e.ruleDomain(m, PermCreate)
	if err != nil {
		return err
	}
	if IsTrue(rule) {
		return nil
	}
	return e.CheckRecords(m, ids, PermCreate)
}

// CheckRecords verifies that every id exists and passes the record
// rules for perm: an AccessError names the forbidden records, a
// MissingError the deleted ones.
func (e *Env) CheckRecords(m *Model, ids []int64, p Perm) error {
	if len(ids) == 0 {
		return nil
	}
	uniq := uniqueIDs(ids)
	rule, err := e.ruleDomain(m, p)
	if err != nil {
		return err
	}
	q := &sqlq{env: e}
	var w string
	if IsTrue(rule) {
		w = "1=1"
	} else {
		w, err = q.compile(m, "t0", rule)
		if err != nil {
			return err
		}
	}
	// the rule's arguments come first in the text, so they are bound first
	in := make([]string, len(uniq))
	for i, id := range uniq {
		in[i] = q.arg(id)
	}
	rows, err := e.Query("SELECT t0.id, CASE WHEN "+w+" THEN 1 ELSE 0 END FROM "+quoteTable(m)+" t0 WHERE t0.id IN ("+strings.Join(in, ", ")+")", q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := map[int64]bool{}
	var forbidden []int64
	for rows.Next() {
		var id, ok int64
		if err := rows.Scan(&id, &ok); err != nil {
			return fmt.Errorf("orm: check records: %w", err)
		}
		found[id] = true
		if ok == 0 {
			forbidden = append(forbidden, id)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("orm: check records: %w", err)
	}
	var missing []int64
	for _, id := range uniq {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return MissingErrorf("Record does not exist or has been deleted.\n(Record: %s(%s), User: %d)", m.Name, joinIDs(missing), e.UID)
	}
	if len(forbidden) > 0 {
		return AccessErrorf("Due to security restrictions, you are not allowed to %s '%s' (%s) records.\n\nRecords: %s\nUser: %d",
			accessVerb(p), m.Description, m.Name, joinIDs(forbidden), e.UID)
	}
	return nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
