package imex

import (
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// creatable are the comodels whose missing records CreateMissing creates
// from a name.
var creatable = map[string]bool{
	"crm.tag": true, "res.partner.category": true, "res.partner": true, "crm.stage": true,
	"utm.source": true, "utm.medium": true, "utm.campaign": true,
}

// resolver finds records named in relational cells, as the importing
// user (name searches apply the user's rights), with a cache per import.
type resolver struct {
	env    *orm.Env
	create bool
	cache  map[string]int64
}

func newResolver(env *orm.Env, create bool) *resolver {
	return &resolver{env: env, create: create, cache: map[string]int64{}}
}

func (r *resolver) remember(key string, id int64) {
	if len(r.cache) > 200_000 {
		r.cache = map[string]int64{} // bound the memory of huge imports
	}
	r.cache[key] = id
}

var xidRe = regexp.MustCompile(`^[A-Za-z0-9_\-]+\.[A-Za-z0-9_.\-]+$`)

// qualifyXID puts an external id without module under __import__, as Odoo
// does.
func qualifyXID(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ".") {
		return "__import__." + s
	}
	return s
}

// lookupXID resolves module.name for model m: the id (0 when unknown or
// when its record is gone). Kanso's exports write
// __export__.<table>_<id> for records without an external id; those
// resolve to the id itself.
func (r *resolver) lookupXID(m *orm.Model, xid string) (int64, error) {
	module, name, _ := strings.Cut(xid, ".")
	var id int64
	var model string
	err := r.env.QueryRow("SELECT res_id, model FROM ir_model_data WHERE module = ? AND name = ?", module, name).Scan(&id, &model)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if module == "__export__" && strings.HasPrefix(name, m.Table+"_") {
			if n, err := strconv.ParseInt(strings.TrimPrefix(name, m.Table+"_"), 10, 64); err == nil && n > 0 {
				id = n
				break
			}
		}
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("read external id %s: %w", xid, err)
	case model != m.Name:
		return 0, errorf(i18n.N("the external id %s belongs to a %s record, not %s"), xid, model, m.Name)
	}
	ids, err := r.env.WithContext(map[string]any{"active_test": false}).Search(m, orm.Leaf{Path: "id", Op: "=", Value: id}, orm.SearchOpts{})
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return id, nil
}

// recordXID resolves the record's own external id (0: a new record).
func (r *resolver) recordXID(m *orm.Model, xid string) (int64, error) {
	return r.lookupXID(m, xid)
}

// setXID names a created record; a stale name (its record deleted) is
// moved to the new one.
func (r *resolver) setXID(m *orm.Model, xid string, id int64) error {
	module, name, _ := strings.Cut(xid, ".")
	res, err := r.env.Exec("UPDATE ir_model_data SET res_id = ?, model = ? WHERE module = ? AND name = ?", id, m.Name, module, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	return base.SetXID(r.env, xid, m.Name, id)
}

// byID resolves a field/id (external id) or field/.id (database id) cell.
func (r *resolver) byID(co *orm.Model, s string, external bool) (int64, error) {
	if external {
		xid := qualifyXID(s)
		id, err := r.lookupXID(co, xid)
		if err != nil {
			return 0, err
		}
		if id == 0 {
			return 0, errorf(i18n.N("no %s record has the external id %s"), Term(co.Description), xid)
		}
		return id, nil
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(s), ".0"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errorf(i18n.N("%q is not a record id"), s)
	}
	ids, err := r.env.WithContext(map[string]any{"active_test": false}).Search(co, orm.Leaf{Path: "id", Op: "=", Value: n}, orm.SearchOpts{})
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, errorf(i18n.N("no %s record has the id %d"), Term(co.Description), n)
	}
	return n, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }

var stateRe = regexp.MustCompile(`^(.+?)\s*\(([A-Z]{2})\)$`)

var taxCodeRe = regexp.MustCompile(`^[A-Za-z]{0,2}\s*[0-9][0-9A-Za-z]{1,14}$`)

// byName resolves a name in a relational cell: the exact display name,
// then (for contacts) the e-mail address and the tax code, codes and
// logins of the models that have them, an external id, then a
// case-insensitive partial match that must be unique; a missing tag,
// partner, stage or UTM record is created when allowed.
func (r *resolver) byName(co *orm.Model, f *orm.Field, s string) (int64, error) {
	key := co.Name + "\x00" + s
	if id, ok := r.cache[key]; ok {
		return id, nil
	}
	id, err := r.find(co, s)
	if err != nil {
		return 0, err
	}
	if id == 0 {
		if !r.create || !creatable[co.Name] {
			if creatable[co.Name] {
				return 0, errorf(i18n.N("no %s matches %q (the option to create missing records would create it)"), Term(co.Description), s)
			}
			return 0, errorf(i18n.N("no %s matches %q"), Term(co.Description), s)
		}
		name := "name"
		if co.Field(name) == nil {
			name = co.RecName
		}
		ids, err := r.env.Create(co, []orm.Values{{name: s}})
		if err != nil {
			reason, _ := errText(err)
			return 0, errorf(i18n.N("cannot create %s %q: %s"), Term(co.Description), s, reason)
		}
		id = ids[0]
	}
	r.remember(key, id)
	return id, nil
}

func (r *resolver) find(co *orm.Model, s string) (int64, error) {
	env := r.env
	search := func(d orm.Domain) ([]int64, error) {
		return env.Search(co, d, orm.SearchOpts{Limit: 2})
	}
	one := func(ids []int64, what Term) (int64, error) {
		switch len(ids) {
		case 0:
			return 0, nil
		case 1:
			return ids[0], nil
		}
		return 0, errorf(i18n.N("several %s records have the %s %q: give the external id instead"), Term(co.Description), what, s)
	}
	// 1. exact display name, then exact name
	ids, err := search(orm.Leaf{Path: co.RecName, Op: "=", Value: s})
	if err != nil {
		return 0, err
	}
	if id, err := one(ids, Term(i18n.N("name"))); id != 0 || err != nil {
		return id, err
	}
	if nf := co.Field("name"); nf != nil && co.RecName != "name" && nf.Stored() {
		ids, err := search(orm.Leaf{Path: "name", Op: "=", Value: s})
		if err != nil {
			return 0, err
		}
		if id, err := one(ids, Term(i18n.N("name"))); id != 0 || err != nil {
			return id, err
		}
	}
	// a state written as Odoo exports it: "Cluj (RO)"
	if m := stateRe.FindStringSubmatch(s); m != nil && co.Field("country_id") != nil && co.Field("name") != nil {
		ids, err := search(orm.And{orm.Leaf{Path: "name", Op: "=ilike", Value: escapeLike(m[1])}, orm.Leaf{Path: "country_id.code", Op: "=", Value: m[2]}})
		if err != nil {
			return 0, err
		}
		if id, err := one(ids, Term(i18n.N("name"))); id != 0 || err != nil {
			return id, err
		}
	}
	// 2. e-mail, tax code, code, login
	if strings.Contains(s, "@") {
		if co.Field("email_normalized") != nil {
			if n := base.NormalizeEmail(s); n != "" {
				ids, err := search(orm.Leaf{Path: "email_normalized", Op: "=", Value: n})
				if err != nil {
					return 0, err
				}
				if id, err := one(ids, Term(i18n.N("e-mail"))); id != 0 || err != nil {
					return id, err
				}
			}
		} else if co.Field("email") != nil {
			ids, err := search(orm.Leaf{Path: "email", Op: "=ilike", Value: escapeLike(s)})
			if err != nil {
				return 0, err
			}
			if id, err := one(ids, Term(i18n.N("e-mail"))); id != 0 || err != nil {
				return id, err
			}
		}
	}
	if co.Field("vat") != nil && taxCodeRe.MatchString(s) {
		v := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
		alts := []any{v}
		if strings.HasPrefix(v, "RO") {
			alts = append(alts, strings.TrimPrefix(v, "RO"))
		} else if v[0] >= '0' && v[0] <= '9' {
			alts = append(alts, "RO"+v)
		}
		ids, err := search(orm.Leaf{Path: "vat", Op: "in", Value: alts})
		if err != nil {
			return 0, err
		}
		if id, err := one(ids, Term(i18n.N("tax code"))); id != 0 || err != nil {
			return id, err
		}
	}
	for _, fname := range []string{i18n.N("code"), i18n.N("login")} {
		if fld := co.Field(fname); fld != nil && fld.Stored() && fld.Type == orm.Char {
			ids, err := search(orm.Leaf{Path: fname, Op: "=ilike", Value: escapeLike(s)})
			if err != nil {
				return 0, err
			}
			if id, err := one(ids, Term(fname)); id != 0 || err != nil {
				return id, err
			}
		}
	}
	// 3. external id
	if xidRe.MatchString(s) {
		id, err := r.lookupXID(co, s)
		if err == nil && id != 0 {
			return id, nil
		}
	}
	// 4. a unique case-insensitive partial match on the name fields
	res, err := env.NameSearch(co, s, orm.And{}, "ilike", 2)
	if err != nil {
		return 0, err
	}
	switch len(res) {
	case 0:
		return 0, nil
	case 1:
		return res[0].([]any)[0].(int64), nil
	}
	var names []string
	for _, x := range res {
		names = append(names, fmt.Sprintf("%q", x.([]any)[1]))
	}
	return 0, errorf(i18n.N("%q matches several %s records (%s, ...): write the full name or the external id"), s, Term(co.Description), strings.Join(names, ", "))
}
