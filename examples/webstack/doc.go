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
