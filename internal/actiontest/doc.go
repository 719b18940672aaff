// Package actiontest runs a composite GitHub Action (action.yml) the way a runner
// does, for tests: it evaluates the steps' ${{ }} expressions (the subset the
// action uses: inputs, github, runner, env and steps contexts, literals, ==, !=,
// &&, ||, ! and parentheses), runs each bash step with the GITHUB_* files of a
// runner, honours ::add-mask:: in the log, and collects outputs and summaries.
package actiontest
