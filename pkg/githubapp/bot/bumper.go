package bot

import (
	"context"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// Bumper is what the bot's triggers (registry events, GHCR package events,
// the periodic scan, pushes to default branches) need from image-bump pull requests.
type Bumper interface {
	// Images lists the image repositories (images.Reference.Name(), such as
	// "ghcr.io/acme/app") that the default branch of repo automates. It reads git
	// only, never a registry.
	Images(ctx context.Context, repo RepoRef) ([]string, error)
	// Bump makes repo's image-bump pull requests current for the listed image
	// repositories (nil: every automated image), reading tag lists through tags, which
	// a scan shares between repositories so that each image's tags are listed once.
	Bump(ctx context.Context, repo RepoRef, only []string, tags images.TagLister) (*BumpResult, error)
}

// BumpResult is what one Bump did.
type BumpResult struct {
	// Images are the automated image repositories the default branch references
	// (what Images would return), for the index of image → repositories.
	Images []string
	// Opened, Updated and Closed are pull request numbers.
	Opened, Updated, Closed []int
	// Problems are the images that could not be checked or rewritten, with file and line.
	Problems []images.Problem
	// ReadOnly is set when nothing was written (--git-readonly): Branches says what
	// would have been.
	ReadOnly bool
	// Branches are the image-bump branches Bump looked at and what it did to each.
	Branches []BumpBranch
}

// BumpBranch is one image-bump branch and what Bump did to it and its pull request.
type BumpBranch struct {
	Branch string
	// Images are the image repositories it bumps.
	Images  []string
	Updates []images.Update
	// Action: "opened", "updated" (pushed or body edited), "unchanged", "closed",
	// "problems" (left as it was; its pull request's body lists the problems), with a
	// "would-" prefix under ReadOnly ("would-open", "would-update", "would-close").
	Action string
	// Pushed is set when the branch was (or, read-only, would be) force-pushed.
	Pushed bool
	// PullRequest is its number (0: none).
	PullRequest int
}

// HeadReader is what a Bumper may also offer so that a build of the image index reads
// only the repositories whose default branch moved since they were last read (the
// GitHubBumper does: one conditional GitHub call, no clone).
type HeadReader interface {
	// DefaultHead is the commit repo's default branch points at now. known is the
	// commit the index last read (""), which the answer may be checked against cheaply.
	DefaultHead(ctx context.Context, repo RepoRef, known string) (string, error)
}
