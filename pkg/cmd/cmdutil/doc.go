// Package cmdutil owns the flags the plan, apply and status commands share, and what
// they do with them in the shell: reading the source (a directory or a git ref), the
// target flags that convert into an engine.Target (pkg/engine connects and plans),
// posting commit statuses and comments, notifying, and exit codes. It also owns the
// flags the image commands (images list, images update, release) share, and the steps
// they share around pkg/images: opening and scanning the source, applying, committing
// and printing the updates (ImageSourceOptions, ImageEditOptions).
package cmdutil
