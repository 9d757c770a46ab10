package web

import "time"

// Hooks for the tests of the import jobs (package web_test).

// SetImportHook makes the jobs started from now on call f on each
// progress report, from the job's goroutine (f may block it), and read on
// every report whether another node asked to cancel them.
func SetImportHook(a *App, f func(id string, dry bool, done, total int)) {
	a.imports.mu.Lock()
	defer a.imports.mu.Unlock()
	a.imports.hook = f
	a.imports.remoteEvery = 0
}

// WaitImport waits until a job of this node has ended and recorded its
// outcome, or timeout; it reports whether it ended.
func WaitImport(a *App, id string, timeout time.Duration) bool {
	a.imports.mu.Lock()
	j := a.imports.jobs[id]
	a.imports.mu.Unlock()
	if j == nil {
		return false
	}
	select {
	case <-j.done:
		return true
	case <-time.After(timeout):
		return false
	}
}
