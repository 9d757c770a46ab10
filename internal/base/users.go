package base

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kanso-crm/kanso/internal/orm"
)

// Argon2id parameters (RFC 9106's second recommended option, scaled to a
// small server: 19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("base: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword verifies pw against a hash made by HashPassword.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// MinPasswordLength is enforced on every password change.
const MinPasswordLength = 8

func hashPasswordVals(env *orm.Env, vals orm.Values) error {
	pw, ok := vals["password"]
	if !ok || pw == nil {
		return nil
	}
	s, _ := pw.(string)
	// the demo database's admin/admin is the one exception
	if len([]rune(s)) < MinPasswordLength && env.Context["install_mode"] != true {
		return orm.ValidationErrorf("The password must have at least %d characters.", MinPasswordLength)
	}
	h, err := HashPassword(s)
	if err != nil {
		return err
	}
	vals["password"] = h
	return nil
}

// selfWritable are the fields a user may change on their own record.
var selfWritable = map[string]bool{"name": true, "email": true, "lang": true, "tz": true, "signature": true, "write_date": true}

func registerUsers(r *orm.Registry) {
	m := r.Define(&orm.Model{Name: "res.users", Description: "User", Order: "name, login",
		NameSearch: []string{"name", "login"}},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true},
		&orm.Field{Name: "login", Type: orm.Char, String: "Login", Required: true, Help: "Used to log into the system"},
		&orm.Field{Name: "email", Type: orm.Char, String: "Email"},
		&orm.Field{Name: "password", Type: orm.Char, String: "Password", Secret: true},
		&orm.Field{Name: "lang", Type: orm.Selection, String: "Language", Selection: langSelection(), Default: func(*orm.Env) any { return "en_US" }},
		&orm.Field{Name: "tz", Type: orm.Selection, String: "Timezone", Selection: tzSelection(), Default: func(*orm.Env) any { return "UTC" }},
		&orm.Field{Name: "partner_id", Type: orm.Many2one, Relation: "res.partner", String: "Related Partner", Required: true},
		&orm.Field{Name: "company_id", Type: orm.Many2one, Relation: "res.company", String: "Company", Required: true, Default: defaultCompany},
		&orm.Field{Name: "share", Type: orm.Boolean, String: "Share User", Readonly: true},
		&orm.Field{Name: "signature", Type: orm.HTML, String: "Email Signature"},
		&orm.Field{Name: "group_ids", Type: orm.Many2many, Relation: "res.groups", String: "Groups",
			RelTable: "res_groups_users_rel", Column1: "uid", Column2: "gid"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	m.Hooks = append(m.Hooks, orm.Hooks{
		BeforeCreate: func(env *orm.Env, vals orm.Values) error {
			if err := hashPasswordVals(env, vals); err != nil {
				return err
			}
			if l, ok := vals["login"].(string); ok {
				vals["login"] = strings.TrimSpace(l)
			}
			if vals["partner_id"] == nil {
				pv := orm.Values{"name": vals["name"]}
				if e, ok := vals["email"]; ok && e != nil {
					pv["email"] = e
				}
				if c, ok := vals["company_id"]; ok {
					pv["company_id"] = c
				}
				ids, err := env.Sudo().Create(env.Reg.Model("res.partner"), []orm.Values{pv})
				if err != nil {
					return err
				}
				vals["partner_id"] = ids[0]
			}
			return nil
		},
		BeforeWrite: func(env *orm.Env, old []orm.Values, vals orm.Values) error {
			if err := hashPasswordVals(env, vals); err != nil {
				return err
			}
			if a, ok := vals["active"].(bool); ok && !a {
				for _, o := range old {
					if o["id"] == env.UID {
						return orm.UserErrorf("You cannot deactivate the user you're currently logged in as.")
					}
				}
			}
			return nil
		},
		AfterWrite: func(env *orm.Env, ids []int64, vals orm.Values) error {
			// Keep the partner's name, e-mail and language in step.
			pv := orm.Values{}
			for _, k := range []string{"name", "email", "lang", "tz"} {
				if v, ok := vals[k]; ok {
					pv[k] = v
				}
			}
			if a, ok := vals["active"].(bool); ok && !a {
				// sessions and keys of a deactivated user stop working at once
				for _, id := range ids {
					if _, err := env.Exec("DELETE FROM web_session WHERE user_id = ?", id); err != nil {
						return err
					}
				}
			}
			if len(pv) == 0 {
				return nil
			}
			recs, err := env.ReadValues(env.Reg.Model("res.users"), ids, []string{"partner_id"})
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := env.Sudo().Write(env.Reg.Model("res.partner"), []int64{r["partner_id"].(int64)}, pv); err != nil {
					return err
				}
			}
			return nil
		},
	})
	// Users may edit their own preferences without the right to edit users.
	generic := m.Method("write")
	m.AddMethod(&orm.Method{Name: "write", Params: generic.Params, Doc: generic.Doc, Fn: func(env *orm.Env, c *orm.Call) (any, error) {
		vals, err := c.Vals("vals")
		if err != nil {
			return nil, err
		}
		if len(c.IDs) == 1 && c.IDs[0] == env.UID {
			own := true
			for k := range vals {
				if !selfWritable[k] {
					own = false
				}
			}
			if own {
				return true, env.Sudo().Write(c.Model, c.IDs, vals)
			}
		}
		return true, env.Write(c.Model, c.IDs, vals)
	}})
	m.AddMethod(&orm.Method{Name: "change_password", Model: true, Params: []string{"old_passwd", "new_passwd"},
		Doc: "Change the calling user's password; the old one must be given.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			oldPw, err := c.String("old_passwd", "")
			if err != nil {
				return nil, err
			}
			newPw, err := c.String("new_passwd", "")
			if err != nil {
				return nil, err
			}
			return true, ChangePassword(env, oldPw, newPw)
		}})
	m.AddMethod(&orm.Method{Name: "context_get", Model: true, ReadOnly: true, Doc: "The calling user's context (lang, tz, uid).",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			u, err := env.User()
			if err != nil {
				return nil, err
			}
			return map[string]any{"lang": u.Lang, "tz": u.TZ, "uid": u.ID}, nil
		}})
	m.AddMethod(&orm.Method{Name: "has_group", Params: []string{"group_ext_id"}, ReadOnly: true,
		Doc: "Whether the user belongs to the group given by its external id.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			g, err := c.String("group_ext_id", "")
			if err != nil {
				return nil, err
			}
			if len(c.IDs) == 0 {
				return env.HasGroup(g), nil
			}
			return env.WithUser(c.IDs[0]).HasGroup(g), nil
		}})
}

func defaultCompany(env *orm.Env) any {
	if env.UID == 0 {
		return nil
	}
	u, err := env.User()
	if err != nil {
		return nil
	}
	return u.CompanyID
}

// ChangePassword checks the old password of the acting user and sets the
// new one.
func ChangePassword(env *orm.Env, oldPw, newPw string) error {
	var hash sql.NullString
	if err := env.QueryRow("SELECT password FROM res_users WHERE id = ?", env.UID).Scan(&hash); err != nil {
		return fmt.Errorf("base: change password: %w", err)
	}
	if !hash.Valid || !CheckPassword(hash.String, oldPw) {
		return orm.AccessDenied
	}
	if newPw == "" {
		return orm.UserErrorf("Setting empty passwords is not allowed for security reasons!")
	}
	return env.Sudo().Write(env.Reg.Model("res.users"), []int64{env.UID}, orm.Values{"password": newPw})
}

// LoginPassword checks a login and password and returns the user id.
// Inactive users cannot log in. The error is always AccessDenied.
func LoginPassword(env *orm.Env, login, password string) (int64, error) {
	var id int64
	var hash sql.NullString
	var active bool
	err := env.QueryRow("SELECT id, password, active FROM res_users WHERE login = ?", strings.TrimSpace(login)).Scan(&id, &hash, &active)
	if errors.Is(err, sql.ErrNoRows) {
		// spend the same time as a real check, so logins cannot be probed
		CheckPassword(dummyHash, password)
		return 0, orm.AccessDenied
	}
	if err != nil {
		return 0, fmt.Errorf("base: login: %w", err)
	}
	if !active || !hash.Valid || !CheckPassword(hash.String, password) {
		return 0, orm.AccessDenied
	}
	return id, nil
}

var dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$2mM4V8b5oGXxkVZC3s3wHhZqGqz7Tq1N5Q7fKQ5xwqQ"

// API keys: 160 random bits as 40 hex characters. The first 8 characters
// index the key; the whole key is stored as its SHA-256 (keys are random,
// so a fast hash is as safe as a slow one and keeps 3,000 calls/s cheap).

const apiKeyIndexLen = 8

func hashKey(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

// GenerateAPIKey creates a key for user uid and returns it (shown once).
func GenerateAPIKey(env *orm.Env, uid int64, name, scope string, expires *time.Time) (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("base: api key: %w", err)
	}
	key := hex.EncodeToString(b)
	var exp any
	if expires != nil {
		exp = env.Dialect.TimeParam(*expires)
	}
	if strings.TrimSpace(name) == "" {
		return "", orm.UserErrorf("An API key needs a name (what it is used for).")
	}
	var sc any
	if scope != "" {
		sc = scope
	}
	now := env.Dialect.TimeParam(env.Now)
	if _, err := env.Exec(`INSERT INTO res_users_apikeys (name, user_id, scope, key_index, key_hash, expiration_date, create_uid, create_date, write_uid, write_date)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, name, uid, sc, key[:apiKeyIndexLen], hashKey(key), exp, env.UID, now, env.UID, now); err != nil {
		return "", fmt.Errorf("base: store api key: %w", err)
	}
	return key, nil
}

// CheckAPIKey returns the active user owning key, or AccessDenied.
func CheckAPIKey(env *orm.Env, key string) (int64, error) {
	key = strings.TrimSpace(key)
	if len(key) < apiKeyIndexLen+8 {
		return 0, orm.AccessDenied
	}
	rows, err := env.Query(`SELECT k.user_id, k.key_hash, k.expiration_date FROM res_users_apikeys k
		JOIN res_users u ON u.id = k.user_id WHERE k.key_index = ? AND u.active = ?`, key[:apiKeyIndexLen], env.Dialect.BoolParam(true))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	want := hashKey(key)
	for rows.Next() {
		var uid int64
		var h string
		var exp any
		if err := rows.Scan(&uid, &h, &exp); err != nil {
			return 0, fmt.Errorf("base: check api key: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(h), []byte(want)) != 1 {
			continue
		}
		if expired(exp, env.Now) {
			return 0, orm.AccessDenied
		}
		return uid, nil
	}
	return 0, orm.AccessDenied
}

// RevokeAPIKey deletes the caller's key given in clear.
func RevokeAPIKey(env *orm.Env, key string) error {
	key = strings.TrimSpace(key)
	if len(key) < apiKeyIndexLen {
		return orm.AccessErrorf("Invalid API key")
	}
	res, err := env.Exec("DELETE FROM res_users_apikeys WHERE key_index = ? AND key_hash = ? AND user_id = ?",
		key[:apiKeyIndexLen], hashKey(key), env.UID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return orm.AccessErrorf("Invalid API key")
	}
	return nil
}

func expired(exp any, now time.Time) bool {
	switch x := exp.(type) {
	case string:
		t, err := orm.ParseDatetime(x)
		return err == nil && t.Before(now)
	case time.Time:
		return x.Before(now)
	}
	return false
}
