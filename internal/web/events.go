package web

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Broker fans out "these models changed" notices to the open pages
// (server-sent events). Commits call Publish; each page holds a
// subscription while it is open.
type Broker struct {
	mu   sync.Mutex
	subs map[chan string]bool
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[chan string]bool{}} }

// Publish tells every open page which models a committed call changed.
func (b *Broker) Publish(models []string) {
	msg := strings.Join(models, ",")
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- msg:
		default: // a slow page misses a notice; the next one refreshes it
		}
	}
}

func (b *Broker) subscribe() chan string {
	ch := make(chan string, 16)
	b.mu.Lock()
	b.subs[ch] = true
	b.mu.Unlock()
	return ch
}

func (b *Broker) unsubscribe(ch chan string) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

// Subscribers counts the open pages (for tests and metrics).
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// events streams change notices to a logged-in page.
func (a *App) events(w http.ResponseWriter, r *http.Request, uid int64) {
	fl, ok := w.(http.Flusher)
	if !ok || a.Broker == nil {
		http.Error(w, "streaming is not supported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	ch := a.Broker.subscribe()
	defer a.Broker.unsubscribe(ch)
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg := <-ch:
			fmt.Fprintf(w, "event: changed\ndata: %s\n\n", msg)
			fl.Flush()
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			fl.Flush()
		}
	}
}
