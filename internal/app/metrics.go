package app

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the figures /metrics exposes, in a registry of the app's
// own (no global state).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	jobs     *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

func newMetrics(a *App) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "Time spent serving HTTP requests, in seconds, by route.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .03, .05, .1, .2, .3, .5, 1, 2.5, 5},
	}, []string{"route", "method", "code"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kanso_job_runs_total", Help: "Periodic job runs by result."}, []string{"job", "result"})
	m.jobTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kanso_job_duration_seconds", Help: "Periodic job run time in seconds."}, []string{"job"})
	m.reg.MustRegister(m.requests, m.jobs, m.jobTime,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}),
		dbCollector{a: a})
	return m
}

// dbCollector reports the connection pools.
type dbCollector struct{ a *App }

var (
	dbOpen  = prometheus.NewDesc("kanso_db_connections_open", "Open database connections.", []string{"pool"}, nil)
	dbInUse = prometheus.NewDesc("kanso_db_connections_in_use", "Database connections in use.", []string{"pool"}, nil)
	dbWait  = prometheus.NewDesc("kanso_db_wait_seconds_total", "Time spent waiting for a database connection.", []string{"pool"}, nil)
	dbWaits = prometheus.NewDesc("kanso_db_waits_total", "Waits for a database connection.", []string{"pool"}, nil)
)

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpen
	ch <- dbInUse
	ch <- dbWait
	ch <- dbWaits
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	pools := map[string]*sql.DB{"write": c.a.DB.Write}
	if c.a.DB.Read != c.a.DB.Write {
		pools["read"] = c.a.DB.Read
	}
	for name, p := range pools {
		s := p.Stats()
		ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount), name)
	}
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Flush keeps server-sent events working through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument times every request under its route pattern.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if route == "GET /events" {
			return // streams last as long as the page
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
