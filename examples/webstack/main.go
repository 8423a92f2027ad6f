// Command webstack runs the worked example of orchestra's source notes in
// one process, on the inproc runtime (pods are Go functions with their own
// loopback addresses) with real TCP traffic through the Service proxy:
//
//	lvs -> Service squid (NodePort) -> squid x3 (Deployment)
//	    -> Service php-fpm (ClusterIP, round-robin) -> php-fpm x3 (Deployment)
//	    -> Service mysql (headless) -> mysql-0 (StatefulSet)
//
// plus a log-collector DaemonSet, a backup Job retried until it succeeds
// and a CronJob that runs the backup every minute. Orchestra's own clock
// runs 60 times faster than the wall (vtime.Scaled), so a minute of cron
// passes in a second; the traffic is real.
//
//	go run ./examples/webstack          # the narrative
//	go run ./examples/webstack -json    # narrative on stderr, summary on stdout
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	jsonOut := flag.Bool("json", false, "print the narrative on stderr and a JSON summary on stdout")
	requests := flag.Int("requests", 300, "requests in each traffic phase")
	speed := flag.Float64("speed", 60, "how much faster than the wall orchestra's clock runs")
	flag.Parse()
	var narrative io.Writer = os.Stdout
	if *jsonOut {
		narrative = os.Stderr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := run(ctx, options{requests: *requests, speed: *speed, out: narrative})
	if err != nil {
		fmt.Fprintln(os.Stderr, "webstack:", err)
		os.Exit(1)
	}
	if *jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			fmt.Fprintln(os.Stderr, "webstack:", err)
			os.Exit(1)
		}
	}
}

// Summary is the -json output.
type Summary struct {
	Requests         int            `json:"requests"`
	Failed           int            `json:"failed"`
	PerPod           map[string]int `json:"perPod"`
	PodsReplaced     int            `json:"podsReplaced"`
	BackupsSucceeded int            `json:"backupsSucceeded"`

	// StableSpread is how the first phase's requests, sent while the set
	// of php-fpm pods was stable, spread over them (for the tests).
	StableSpread map[string]int `json:"-"`
}
