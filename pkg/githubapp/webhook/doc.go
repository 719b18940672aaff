// Package webhook receives GitHub's webhook deliveries: Handler serves POST /webhook,
// bounds headers and body, checks X-Hub-Signature-256 in constant time, drops
// replayed deliveries and hands each verified Event to a dispatcher that queues it.
// It owns the event types the bot routes on (events.go, package_event.go: read into
// the few fields needed, not go-github's full types where those cost too much or do
// not fit GitHub's payloads) and which events GitHub sends (Known).
//
// It never calls GitHub's REST API (that is pkg/githubapp), never runs the work an
// event asks for (that is pkg/githubapp/bot, which registers a route per event), and
// never imports the bot.
package webhook
