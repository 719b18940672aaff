// Command automation measures image automation's triggers (pkg/githubapp/bot's
// BumpScheduler): 1,000 repositories over 100 installations referencing 200 images, against
// an in-process go-containerregistry registry that counts every request.
//
//   - a periodic scan: one tag-list request (paged) per image, shared by every
//     repository that uses it, and no manifest request;
//   - a registry event for one image: requests for that image only, bumps of only the
//     repositories that use it;
//   - the naive ways for comparison: each repository listing its own images' tags (run),
//     and Flux v1, which also fetched a manifest per tag (counted, not run).
//
// The repositories are in memory and bumped by memoryAutomation, which runs the real
// pkg/images scan and check (Scan → Checker.Check through the scan's shared lister) and
// opens no pull request. The bot.Bumper is made by one function (automations), so
// the real GitHubBumper (git clones and pull requests against the fake GitHub) can be put in
// its place. It prints figures; it asserts nothing.
package main
