package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, in a registry of its own.
type metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	loginFailures prometheus.Counter
	rateLimited   *prometheus.CounterVec
	streamClients prometheus.Gauge
	streamDropped prometheus.Counter
}

func newMetrics(extra ...prometheus.Collector) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridmap_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridmap_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridmap_login_failures_total", Help: "Failed password logins.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridmap_rate_limited_total", Help: "Requests refused with 429, by limit.",
		}, []string{"limit"}),
	}
	m.streamClients = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gridmap_stream_clients", Help: "Open WebSocket streams.",
	})
	m.streamDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gridmap_stream_dropped_total", Help: "Streams closed because the viewer fell behind (close code 4008).",
	})
	m.registry.MustRegister(m.requests, m.duration, m.loginFailures, m.rateLimited, m.streamClients, m.streamDropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(extra...)
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
