package main

import (
	"fmt"
	"io"
	"time"
)

// startupRows are the start-up step's rows of the table of targets.
func startupRows(out io.Writer, s *startupResult) {
	idle := s.cold.idle
	row(out, fmt.Sprintf("start-up → index built, %d repositories, cold --git-cache-dir", s.repos), "< today's full clones",
		fmt.Sprintf("%s (full clones: %s)", secs(s.cold.toIndex), secs(s.peer.toIndex)), s.cold.toIndex < s.peer.toIndex)
	row(out, fmt.Sprintf("start-up → index built, warm --git-cache-dir, %d default branches moved", s.moved), fmt.Sprintf("reads only the %d", s.moved),
		fmt.Sprintf("%s (read %.0f, unchanged %.0f, failed %.0f)", secs(s.warm.toIndex), s.warm.read, s.warm.unchanged, s.warm.failed),
		int(s.warm.read) == s.moved && s.warm.failed == 0)
	for _, r := range []startRun{s.cold, s.warm} {
		row(out, fmt.Sprintf("PR event sent %s after start → comment, %s", secs(r.sentAfter), r.name), "idle bot's + 1 s",
			fmt.Sprintf("%s (idle bot: %s)", secs(r.atStart), secs(idle)), r.atStart < idle+time.Second)
	}
	fmt.Fprintf(out, "| peer: PR event sent %s after start → comment, %s | | %s | peer |\n", secs(s.peer.sentAfter), s.peer.name, secs(s.peer.atStart))
	peak, after := max(s.cold.peak, s.warm.peak), max(s.cold.after, s.warm.after)
	row(out, fmt.Sprintf("bot RSS during and after start-up, %d repositories, --git-cache-dir", s.repos), "< 200 MiB",
		fmt.Sprintf("peak %s, after %s (full clones: peak %s)", mib(peak), mib(after), mib(s.peer.peak)), peak < 200<<20 && after < 200<<20)
}

// startupSection describes the start-up step and prints each start's figures.
func startupSection(out io.Writer, c config, s *startupResult) {
	fmt.Fprintf(out, "\n## 4. Start-up over %d repositories\n\n", s.repos)
	fmt.Fprintf(out, "The built cmd/bot, default flags but --automation-interval 0 (no periodic scan), started three times over %d\n", c.installations)
	fmt.Fprintf(out, "installations × %d repositories, each a real bare repository (.gitops.yaml, %d objects, two automated\n", c.reposPer, c.objects)
	fmt.Fprintf(out, "Deployments; the first is the live repository) behind git http-backend (serving commits by sha, as GitHub does) and the fake GitHub: without --git-cache-dir\n")
	fmt.Fprintf(out, "(today's start-up: a full clone per repository), on an empty --git-cache-dir (cold), and on the same directory again\n")
	fmt.Fprintf(out, "after %d repositories' default branches moved (warm: the index saved in <git-cache-dir>/image-index.json, each\n", s.moved)
	fmt.Fprintf(out, "repository's default-branch commit asked of GitHub, conditional: 304 when unchanged). Each time a pull request\n")
	fmt.Fprintf(out, "event of the live repository is sent 1 s after the start; the idle figure is the same event once the cold index is\n")
	fmt.Fprintf(out, "built. Index built: the bot's %q log line. The cache directory held %.1f MiB after the cold start.\n\n", indexBuiltLog, float64(s.cacheBytes)/(1<<20))
	fmt.Fprintln(out, "| start | → index built | PR event at 1 s → comment | index reads (read / unchanged / failed) | GitHub calls (304) | peak RSS | RSS after |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|")
	for _, r := range []startRun{s.peer, s.cold, s.warm} {
		fmt.Fprintf(out, "| %s | %s | %s | %.0f / %.0f / %.0f | %d (%d) | %s | %s |\n", r.name, secs(r.toIndex), secs(r.atStart),
			r.read, r.unchanged, r.failed, r.apiCalls, r.notModified, mib(r.peak), mib(r.after))
	}
	if c.keep {
		fmt.Fprintf(out, "\nbot logs: %s, %s, %s\n", s.peer.log, s.cold.log, s.warm.log)
	}
}
