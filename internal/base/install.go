package base

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/kanso-crm/kanso/internal/base/isodata"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Module is a unit of Kanso: it declares models and installs its data
// once per database.
type Module struct {
	Name     string
	Register func(r *orm.Registry)
	// Install loads the module's data; it runs once, as the superuser.
	Install func(env *orm.Env, opts InstallOptions) error
}

// InstallOptions tune the first installation.
type InstallOptions struct {
	AdminPassword string // empty: generate one
	Currency      string // the company currency (ISO code), default USD
	CompanyName   string
}

// InstallResult reports what an installation created.
type InstallResult struct {
	GeneratedPassword string
}

// BaseModule is the base module.
var BaseModule = Module{Name: "base", Register: Register, Install: installBase}

// IsInstalled tells whether a module's data is in the database.
func IsInstalled(env *orm.Env, module string) (bool, error) {
	var v string
	err := env.QueryRow("SELECT value FROM ir_config_parameter WHERE key = ?", "module."+module+".installed").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("base: module state: %w", err)
	}
	return v == "1", nil
}

// MarkInstalled records a module as installed.
func MarkInstalled(env *orm.Env, module string) error {
	return SetParam(env, "module."+module+".installed", "1")
}

// GetParam reads a configuration parameter ("" when unset).
// A value read is memoised for the transaction until SetParam writes one.
func GetParam(env *orm.Env, key string) (string, error) {
	v, err := env.Sudo().Memo("param:"+key, paramDeps, func() (any, error) {
		var v string
		err := env.QueryRow("SELECT value FROM ir_config_parameter WHERE key = ?", key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return v, err
	})
	if err != nil {
		return "", fmt.Errorf("base: read parameter %s: %w", key, err)
	}
	return v.(string), nil
}

var paramDeps = []string{"ir.config_parameter"}

// SetParam writes a configuration parameter.
func SetParam(env *orm.Env, key, value string) error {
	env.Touched("ir.config_parameter")
	res, err := env.Exec("UPDATE ir_config_parameter SET value = ? WHERE key = ?", value, key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = env.Exec("INSERT INTO ir_config_parameter (key, value) VALUES (?, ?)", key, value)
	}
	return err
}

// SetXID gives record id of model the external id module.name.
func SetXID(env *orm.Env, xid, model string, id int64) error {
	module, name, ok := strings.Cut(xid, ".")
	if !ok {
		return fmt.Errorf("base: external id %q needs a module prefix", xid)
	}
	_, err := env.Exec("INSERT INTO ir_model_data (module, name, model, res_id) VALUES (?, ?, ?, ?)", module, name, model, id)
	return err
}

// XID resolves an external id (0 when unknown).
func XID(env *orm.Env, xid string) (int64, error) {
	module, name, _ := strings.Cut(xid, ".")
	var id int64
	err := env.QueryRow("SELECT res_id FROM ir_model_data WHERE module = ? AND name = ?", module, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("base: resolve %s: %w", xid, err)
	}
	return id, nil
}

// Access is one line of model rights: the model, the group (external id,
// "" for everyone) and the permissions as letters r, w, c, u.
type Access struct {
	Model, Group, Perms string
}

// Rule is a record rule: a JSON domain applied to the groups (none =
// global) for the permissions (letters r, w, c, u).
type Rule struct {
	Name, Model, Domain string
	Groups              []string
	Perms               string
}

// InstallAccess writes model rights.
func InstallAccess(env *orm.Env, rows []Access) error {
	m := env.Reg.Model("ir.model.access")
	for _, a := range rows {
		vals := orm.Values{"name": a.Model + " " + a.Group, "model": a.Model,
			"perm_read": strings.Contains(a.Perms, "r"), "perm_write": strings.Contains(a.Perms, "w"),
			"perm_create": strings.Contains(a.Perms, "c"), "perm_unlink": strings.Contains(a.Perms, "u")}
		if env.Reg.Model(a.Model) == nil {
			return fmt.Errorf("base: access for unknown model %s", a.Model)
		}
		if a.Group != "" {
			gid, err := XID(env, a.Group)
			if err != nil {
				return err
			}
			if gid == 0 {
				return fmt.Errorf("base: access for %s: unknown group %s", a.Model, a.Group)
			}
			vals["group_id"] = gid
		}
		if _, err := env.Create(m, []orm.Values{vals}); err != nil {
			return fmt.Errorf("base: access for %s: %w", a.Model, err)
		}
	}
	return nil
}

// InstallRules writes record rules.
func InstallRules(env *orm.Env, rules []Rule) error {
	m := env.Reg.Model("ir.rule")
	for _, r := range rules {
		var gids []any
		for _, g := range r.Groups {
			gid, err := XID(env, g)
			if err != nil {
				return err
			}
			if gid == 0 {
				return fmt.Errorf("base: rule %s: unknown group %s", r.Name, g)
			}
			gids = append(gids, gid)
		}
		vals := orm.Values{"name": r.Name, "model": r.Model, "domain_force": r.Domain,
			"perm_read": strings.Contains(r.Perms, "r"), "perm_write": strings.Contains(r.Perms, "w"),
			"perm_create": strings.Contains(r.Perms, "c"), "perm_unlink": strings.Contains(r.Perms, "u"),
			"group_ids": []any{[]any{int64(6), int64(0), gids}}}
		if _, err := env.Create(m, []orm.Values{vals}); err != nil {
			return fmt.Errorf("base: rule %s: %w", r.Name, err)
		}
	}
	return nil
}

// Group is a group to install.
type Group struct {
	XID, Category, Name string
	Implied             []string
	Comment             string
}

// InstallGroups creates groups with their external ids.
func InstallGroups(env *orm.Env, groups []Group) error {
	m := env.Reg.Model("res.groups")
	for _, g := range groups {
		var implied []any
		for _, x := range g.Implied {
			id, err := XID(env, x)
			if err != nil {
				return err
			}
			if id == 0 {
				return fmt.Errorf("base: group %s implies unknown %s", g.XID, x)
			}
			implied = append(implied, id)
		}
		ids, err := env.Create(m, []orm.Values{{"name": g.Name, "category": nilIfEmpty(g.Category), "comment": nilIfEmpty(g.Comment),
			"implied_ids": []any{[]any{int64(6), int64(0), implied}}}})
		if err != nil {
			return fmt.Errorf("base: group %s: %w", g.XID, err)
		}
		if err := SetXID(env, g.XID, "res.groups", ids[0]); err != nil {
			return err
		}
	}
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var baseGroups = []Group{
	{XID: GroupUser, Category: "User types", Name: "Internal User"},
	{XID: GroupSystem, Category: "Administration", Name: "Settings", Implied: []string{GroupUser},
		Comment: "Configure the application: users, rights, settings."},
	{XID: GroupSaleSalesman, Category: "Sales", Name: "User: Own Documents Only", Implied: []string{GroupUser},
		Comment: "The user sees their own and unassigned leads and opportunities."},
	{XID: GroupSaleSalesmanAll, Category: "Sales", Name: "User: All Documents", Implied: []string{GroupSaleSalesman},
		Comment: "The user sees every lead and opportunity."},
	{XID: GroupSaleManager, Category: "Sales", Name: "Administrator", Implied: []string{GroupSaleSalesmanAll},
		Comment: "The user configures teams, stages and targets and sees every figure."},
}

var baseAccess = []Access{
	{"res.currency", "", "r"}, {"res.currency", GroupSystem, "rwcu"},
	{"res.country", "", "r"}, {"res.country", GroupSystem, "rwcu"},
	{"res.country.state", "", "r"}, {"res.country.state", GroupSystem, "rwcu"},
	{"res.lang", "", "r"}, {"res.lang", GroupSystem, "rwcu"},
	{"res.company", GroupUser, "r"}, {"res.company", GroupSystem, "rwcu"},
	{"res.partner", GroupUser, "rwcu"},
	{"res.partner.category", GroupUser, "rwcu"},
	{"res.users", GroupUser, "r"}, {"res.users", GroupSystem, "rwcu"},
	{"res.groups", GroupUser, "r"}, {"res.groups", GroupSystem, "rwcu"},
	{"ir.model.access", GroupSystem, "rwcu"},
	{"ir.rule", GroupSystem, "rwcu"},
	{"ir.filters", GroupUser, "rwcu"},
	{"res.users.apikeys", GroupUser, "ru"},
}

var baseRules = []Rule{
	{Name: "Own and shared filters", Model: "ir.filters", Perms: "rwcu",
		Domain: `["|", ["user_ids", "in", ["$uid"]], ["user_ids", "=", false]]`},
	{Name: "Own API keys", Model: "res.users.apikeys", Perms: "rwcu", Domain: `[["user_id", "=", "$uid"]]`},
}

func installBase(env *orm.Env, opts InstallOptions) error {
	// Currencies, countries and states from the ISO data in the binary.
	curs, err := isodata.Currencies()
	if err != nil {
		return err
	}
	curID := map[string]int64{}
	for _, c := range curs {
		id, err := env.InsertID("INSERT INTO res_currency (name, full_name, symbol, decimal_places, position, active, create_uid, create_date, write_uid, write_date) VALUES (?, ?, ?, ?, ?, ?, 1, ?, 1, ?)",
			c.Code, c.Name, c.Symbol, c.Decimals, c.Position, env.Dialect.BoolParam(true), env.Dialect.TimeParam(env.Now), env.Dialect.TimeParam(env.Now))
		if err != nil {
			return fmt.Errorf("base: currency %s: %w", c.Code, err)
		}
		curID[c.Code] = id
		if err := SetXID(env, "base."+c.Code, "res.currency", id); err != nil {
			return err
		}
	}
	countries, err := isodata.Countries()
	if err != nil {
		return err
	}
	countryID := map[string]int64{}
	for _, c := range countries {
		var cur any
		if id, ok := curID[c.Currency]; ok {
			cur = id
		}
		id, err := env.InsertID("INSERT INTO res_country (name, code, phone_code, currency_id, create_uid, create_date, write_uid, write_date) VALUES (?, ?, ?, ?, 1, ?, 1, ?)",
			c.Name, c.Code, c.PhoneCode, cur, env.Dialect.TimeParam(env.Now), env.Dialect.TimeParam(env.Now))
		if err != nil {
			return fmt.Errorf("base: country %s: %w", c.Code, err)
		}
		countryID[c.Code] = id
		if err := SetXID(env, "base."+strings.ToLower(c.Code), "res.country", id); err != nil {
			return err
		}
	}
	states, err := isodata.States()
	if err != nil {
		return err
	}
	for _, s := range states {
		if _, err := env.Exec("INSERT INTO res_country_state (country_id, name, code, create_uid, create_date, write_uid, write_date) VALUES (?, ?, ?, 1, ?, 1, ?)",
			countryID[s.CountryCode], s.Name, s.Code, env.Dialect.TimeParam(env.Now), env.Dialect.TimeParam(env.Now)); err != nil {
			return fmt.Errorf("base: state %s-%s: %w", s.CountryCode, s.Code, err)
		}
	}
	langs := []orm.Values{
		{"name": "English (US)", "code": "en_US", "iso_code": "en", "active": true, "date_format": "%m/%d/%Y", "decimal_point": ".", "thousands_sep": ","},
		{"name": "Indonesian / Bahasa Indonesia", "code": "id_ID", "iso_code": "id", "active": true, "date_format": "%d/%m/%Y", "decimal_point": ",", "thousands_sep": "."},
		{"name": "Romanian / română", "code": "ro_RO", "iso_code": "ro", "active": true, "date_format": "%d.%m.%Y", "decimal_point": ",", "thousands_sep": "."},
	}
	if _, err := env.Create(env.Reg.Model("res.lang"), langs); err != nil {
		return err
	}
	// The company.
	code := strings.ToUpper(opts.Currency)
	if code == "" {
		code = "USD"
	}
	cid, ok := curID[code]
	if !ok {
		return fmt.Errorf("base: unknown currency %q", opts.Currency)
	}
	name := opts.CompanyName
	if name == "" {
		name = "My Company"
	}
	companyID, err := env.InsertID("INSERT INTO res_company (name, currency_id, active, create_uid, create_date, write_uid, write_date) VALUES (?, ?, ?, 1, ?, 1, ?)",
		name, cid, env.Dialect.BoolParam(true), env.Dialect.TimeParam(env.Now), env.Dialect.TimeParam(env.Now))
	if err != nil {
		return fmt.Errorf("base: company: %w", err)
	}
	if err := SetXID(env, "base.main_company", "res.company", companyID); err != nil {
		return err
	}
	if err := InstallGroups(env, baseGroups); err != nil {
		return err
	}
	// The technical superuser (id 1, cannot log in) and the administrator (id 2).
	users := env.Reg.Model("res.users")
	root, err := env.Create(users, []orm.Values{{"name": "System", "login": "__system__", "active": false, "company_id": companyID}})
	if err != nil {
		return fmt.Errorf("base: superuser: %w", err)
	}
	if root[0] != orm.SuperuserID {
		return fmt.Errorf("base: superuser got id %d, expected %d (is the database empty?)", root[0], orm.SuperuserID)
	}
	if err := SetXID(env, "base.user_root", "res.users", root[0]); err != nil {
		return err
	}
	var gids []any
	for _, g := range []string{GroupSystem, GroupSaleManager} {
		id, err := XID(env, g)
		if err != nil {
			return err
		}
		gids = append(gids, id)
	}
	admin, err := env.Create(users, []orm.Values{{"name": "Administrator", "login": "admin", "email": "admin@example.com",
		"password": opts.AdminPassword, "company_id": companyID, "group_ids": []any{[]any{int64(6), int64(0), gids}}}})
	if err != nil {
		return fmt.Errorf("base: admin user: %w", err)
	}
	if err := SetXID(env, "base.user_admin", "res.users", admin[0]); err != nil {
		return err
	}
	if err := InstallAccess(env, baseAccess); err != nil {
		return err
	}
	return InstallRules(env, baseRules)
}

// RandomPassword makes a password that is easy to type from a terminal.
func RandomPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("base: random password: %w", err)
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}
