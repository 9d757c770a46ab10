package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/db"
)

// The change notices of a commit reach the pages open on this node at
// once, and the other nodes through PostgreSQL's NOTIFY: each node
// LISTENs and passes on the notices of the others.
const notifyChannel = "kanso_changes"

func newNodeID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// publish is the Runner's commit hook.
func (a *App) publish(models []string) {
	a.broker.Publish(models)
	if a.DB.Dialect != db.Postgres || a.DB.Pool() == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := a.DB.Pool().Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, a.nodeID+"|"+strings.Join(models, ",")); err != nil {
		a.Log.Warn("notify other nodes", "err", err)
	}
}

// relay listens for the other nodes' notices until ctx ends, reconnecting
// when the connection drops.
func (a *App) relay(ctx context.Context) {
	if a.DB.Dialect != db.Postgres || a.DB.Pool() == nil {
		return
	}
	for ctx.Err() == nil {
		if err := a.listen(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("listening for other nodes' changes", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (a *App) listen(ctx context.Context) error {
	conn, err := a.DB.Pool().Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "UNLISTEN "+notifyChannel)
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		node, models, ok := strings.Cut(n.Payload, "|")
		if !ok || node == a.nodeID || models == "" {
			continue
		}
		list := strings.Split(models, ",")
		for _, m := range list {
			switch m {
			case "res.users", "res.groups", "ir.model.access", "ir.rule", "res.company":
				a.Runner.InvalidateAccess() // rights changed on another node
			}
		}
		a.broker.Publish(list)
	}
}
