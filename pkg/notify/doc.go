// Package notify sends the outcome of a plan or an apply to outgoing webhooks: a
// generic JSON webhook signed with HMAC-SHA256, Slack incoming webhooks and
// Microsoft Teams (Workflows) webhooks. The plugin (`apply --notify URL`) and the
// bot use it. A notification that fails is reported to the caller, to log: it never
// fails an apply. Reports carry counts, names and files, never Secret values.
// It never reads manifests, clusters or git: it sends the Report it is given.
package notify
