// Command backup plays a backup Job that is retried until it succeeds, and
// a CronJob that runs the backup every 15 minutes for a simulated day, on
// the fake runtime in virtual time: it never sleeps and prints the same
// timeline on every run.
//
//	go run ./examples/backup
//
// backup_test.go does the same with assertions; use it as a template for
// testing your own orchestration code.
package main
