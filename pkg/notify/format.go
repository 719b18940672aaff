package notify

import (
	"fmt"
	"strings"
)

func icon(r Report) string {
	if r.Succeeded {
		return "✅"
	}
	return "❌"
}

// slackMessage is a Slack incoming-webhook payload: a fallback text and blocks.
func slackMessage(r Report) map[string]any {
	var b strings.Builder
	fmt.Fprintf(&b, "%s *%s*\n%s", icon(r), slackEscape(r.Title()), slackEscape(r.CountsText()))
	if r.Source != "" {
		fmt.Fprintf(&b, "\nSource: `%s`", slackEscape(r.Source))
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "\n• %s", slackEscape(f))
	}
	if r.MoreFailures > 0 {
		fmt.Fprintf(&b, "\n… and %d more", r.MoreFailures)
	}
	if r.URL != "" {
		fmt.Fprintf(&b, "\n<%s|Details>", r.URL)
	}
	return map[string]any{
		"text":   r.Title() + ": " + r.CountsText(),
		"blocks": []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": b.String()}}},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// teamsMessage is a Teams Workflows webhook payload: one adaptive card.
func teamsMessage(r Report) map[string]any {
	body := []any{
		map[string]any{"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true, "text": icon(r) + " " + r.Title()},
		map[string]any{"type": "TextBlock", "wrap": true, "text": r.CountsText()},
	}
	if r.Source != "" {
		body = append(body, map[string]any{"type": "TextBlock", "wrap": true, "isSubtle": true, "text": "Source: " + r.Source})
	}
	for _, f := range r.Failures {
		body = append(body, map[string]any{"type": "TextBlock", "wrap": true, "color": "Attention", "text": f})
	}
	if r.MoreFailures > 0 {
		body = append(body, map[string]any{"type": "TextBlock", "wrap": true, "text": fmt.Sprintf("… and %d more", r.MoreFailures)})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
	if r.URL != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": "Details", "url": r.URL}}
	}
	return map[string]any{
		"type":        "message",
		"attachments": []any{map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}},
	}
}
