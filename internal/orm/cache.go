package orm

import (
	"sync"
	"time"
)

// accessCache keeps, per user, what the ORM loads at the start of every
// call: the user with their groups, and their rights and record rules per
// model. It belongs to a Runner. Any committed change to users, groups,
// rights or rules clears it (on every node: the relay of change notices
// calls InvalidateAccess), and entries expire after a minute anyway.
type accessCache struct {
	mu    sync.Mutex
	users map[int64]*cachedUser
}

type cachedUser struct {
	user    *UserInfo
	access  map[string]*modelAccess
	expires time.Time
}

// securityModels are the models whose changes clear the cache.
var securityModels = map[string]bool{"res.users": true, "res.groups": true, "ir.model.access": true, "ir.rule": true, "res.company": true}

const accessCacheTTL = time.Minute

func (c *accessCache) get(uid int64, now time.Time) *cachedUser {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.users[uid]
	if u == nil || now.After(u.expires) {
		return nil
	}
	return u
}

func (c *accessCache) putUser(uid int64, u *UserInfo, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users == nil {
		c.users = map[int64]*cachedUser{}
	}
	if len(c.users) > 10000 {
		c.users = map[int64]*cachedUser{}
	}
	c.users[uid] = &cachedUser{user: u, access: map[string]*modelAccess{}, expires: now.Add(accessCacheTTL)}
}

func (c *accessCache) putAccess(uid int64, model string, a *modelAccess) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if u := c.users[uid]; u != nil {
		u.access[model] = a
	}
}

func (c *accessCache) accessOf(uid int64, model string, now time.Time) *modelAccess {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.users[uid]
	if u == nil || now.After(u.expires) {
		return nil
	}
	return u.access[model]
}

func (c *accessCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.users = nil
	c.mu.Unlock()
}

// InvalidateAccess forgets the cached users, rights and rules (another
// node changed them).
func (r *Runner) InvalidateAccess() { r.cache.clear() }
