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
