// Package web serves Kanso's pages: for now the login, logout, password
// change, API keys and a start page; sessions live in the database so
// that any node can serve any request.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kanso-crm/kanso/internal/orm"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "kanso_session"

// SessionLifetime is how long a login lasts.
const SessionLifetime = 14 * 24 * time.Hour

func tokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// newSession stores a session for uid and returns its token.
func newSession(env *orm.Env, uid int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("web: session token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	_, err := env.Exec("INSERT INTO web_session (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		tokenHash(tok), uid, env.Dialect.TimeParam(env.Now), env.Dialect.TimeParam(env.Now.Add(SessionLifetime)))
	if err != nil {
		return "", fmt.Errorf("web: store session: %w", err)
	}
	// forget expired sessions of everyone while we are here
	if _, err := env.Exec("DELETE FROM web_session WHERE expires_at < ?", env.Dialect.TimeParam(env.Now)); err != nil {
		return "", err
	}
	return tok, nil
}

// SessionUser returns the user of a session token, or 0.
func SessionUser(env *orm.Env, tok string) (int64, error) {
	if tok == "" {
		return 0, nil
	}
	var uid int64
	err := env.QueryRow(`SELECT s.user_id FROM web_session s JOIN res_users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = ?`, tokenHash(tok), env.Dialect.TimeParam(env.Now), env.Dialect.BoolParam(true)).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("web: read session: %w", err)
	}
	return uid, nil
}

func (a *App) sessionUID(ctx context.Context, r *http.Request) (int64, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return 0, nil
	}
	var uid int64
	err = a.Runner.Run(ctx, 0, nil, false, func(env *orm.Env) error {
		uid, err = SessionUser(env, c.Value)
		return err
	})
	return uid, err
}

func (a *App) setSessionCookie(w http.ResponseWriter, tok string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: a.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}
