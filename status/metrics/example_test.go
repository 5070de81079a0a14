package metrics_test

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dumpline/importer/status"
	"github.com/dumpline/importer/status/metrics"
)

// The collector goes into a registry served at /metrics.
func ExampleNewCollector() {
	tracker := status.New(0) // the Pipeline's Status
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(tracker))
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}
