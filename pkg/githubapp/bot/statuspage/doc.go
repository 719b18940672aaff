// Package statuspage is the bot's read-only status page: what the bot knows of each
// installation, repository and target (its cluster, last plan, last apply, drift, open
// image-bump pull requests), its queue and its last errors, as one server-rendered HTML
// page (html/template, no JavaScript) that reads on a phone.
//
// It owns:
//   - Board, the record the bot's parts write to as they work (RecordPlan, RecordApply,
//     RecordDrift, …), bounded in everything a repository can grow (targets, pull
//     requests, errors, text lengths), safe for concurrent use;
//   - Board.ServeHTTP, which answers GET and HEAD of "/" and nothing else (404 for other
//     paths, 405 for other methods), with headers that keep the page from running or
//     loading anything (Content-Security-Policy default-src 'none').
//
// It never calls GitHub or a cluster, never writes anything, and never holds a token,
// a Secret value or a private key: the bot hands it names, commit ids, counts, times,
// links and messages that were already redacted. It never imports the bot (the bot
// imports it).
package statuspage
