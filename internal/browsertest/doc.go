// Package browsertest is for tests: it loads a page in a real browser, Debian's Chromium
// (/usr/bin/chromium) run headless, and gives back the DOM after load and, when asked, a PNG
// screenshot at a window size of the test's choice (Phone, Desktop or any). It is meant for
// HTML that a person reads: the bot's status page (server-rendered, no JavaScript) and plan
// comments rendered to HTML.
//
// It owns:
//   - finding the browser (Chromium): when it is missing the test fails and names
//     `make test-tools` (hack/test-tools.sh installs it); tests never skip;
//   - one Chromium process per Load, with a fresh profile and home directory in the test's
//     temporary directory, flags that keep it off the network except for the page asked for
//     (no background networking, component updates, sync or QUIC), its own process group
//     killed when the load ends or times out, and SIGKILL from the kernel if the test process
//     dies; its stderr is shown only when the load fails;
//   - the page's text as a reader sees it (Page.Text, TextOf, ElementsByTag), parsed with
//     golang.org/x/net/html from the DOM Chromium dumped;
//   - where screenshots and other files a person looks at after a run go (OutputDir):
//     $GITOPS_TEST_OUTPUT/<TestName>/, else test-output/<TestName>/ at the module's root.
//
// It never touches the user's Chromium profile, home directory or caches, never serves
// pages itself (the test serves them, on loopback), never reaches any address but the URL
// it is given, and never imports the packages under test.
package browsertest
