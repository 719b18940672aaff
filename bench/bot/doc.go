// Command bot benchmarks the GitHub App bot (issue 7), in one run on this machine:
//
//  1. acknowledgement: N concurrent signed pull_request deliveries to the bot's real
//     HTTP server (bot.Server), each on a new connection as GitHub sends them; the
//     jobs behind the acknowledgements are no-ops, so only the webhook is measured;
//  2. pull request event to comment: a repository of 100 objects on a local
//     control plane (internal/testcluster), a live plan and an offline plan, from
//     the webhook POST to the sticky comment existing in the fake GitHub
//     (githubtest), against `kubectl diff -f` of the same files;
//  3. resident memory: the built cmd/bot as a subprocess, told of 100 installations
//     of 10 repositories each by installation and installation_repositories events,
//     its RSS read from /proc.
//
// It prints a table of target, measured and ok/MISSED; nothing is asserted. Run it
// with `make bench-bot` (bench/README.md).
package main
