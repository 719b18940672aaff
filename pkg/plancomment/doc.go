// Package plancomment builds the pull request comment that shows plans, for the bot
// and for `kubectl gitops plan --github-comment` (the Action) alike: a section per
// target (its heading, its plan's Markdown blocks, or the error that stopped it),
// laid out in pages that each fit in one GitHub comment, at most a bounded number of
// them; the comment's one-line summary for a commit status; and links from a
// manifest's file:line to that file at a commit on the web (BlobURL); and a target's
// plan as a check run shows it (NewCheck: title, summary, diffs, and a Note per problem
// and per changing object at its file:line, bounded by MaxNotes).
//
// It only makes text: it never calls GitHub. Writing the pages as one sticky comment
// is pkg/githubapp's StickyComment; rendering a plan is pkg/plan's.
package plancomment
