package gitopsfile

import "slices"

// Name is the file's name, in a directory of generators and at a repository's top.
const Name = ".gitops.yaml"

// The top-level keys and the packages that read them.
const (
	KeyVersion           = "version"           // the file's format: 1 (pkg/manifest requires it with generators)
	KeyGenerators        = "generators"        // pkg/manifest: commands that render the directory
	KeyImages            = "images"            // pkg/images: image automation policies
	KeyTargets           = "targets"           // pkg/repoconfig: where the bot plans
	KeyComments          = "comments"          // pkg/repoconfig: how the plan comment looks
	KeyForks             = "forks"             // pkg/repoconfig: plans of pull requests from forks
	KeyNotify            = "notify"            // pkg/repoconfig: the bot's notifications
	KeyImagePullRequests = "imagePullRequests" // pkg/repoconfig: image-bump pull requests
	KeyDrift             = "drift"             // pkg/repoconfig: the bot's drift reports
)

// SupportedVersion is the only value of version: the file has one format so far.
const SupportedVersion = "1"

var keys = []string{KeyVersion, KeyGenerators, KeyImages, KeyTargets, KeyComments, KeyForks, KeyNotify, KeyImagePullRequests, KeyDrift}

// Keys are the known top-level keys, in the order errors list them.
func Keys() []string { return slices.Clone(keys) }
