#!/usr/bin/env bash
# Runs `kubectl gitops plan|apply` for action.yml. Every input arrives as an
# environment variable GITOPS_INPUT_<NAME>, never as text spliced into this script.
# The kubeconfig is written to a private temporary file, masked in the log, given to
# the plugin and removed when this script ends, however it ends.
set -euo pipefail

fail() {
	echo "::error title=kubectl-gitops::$*"
	exit 2
}

# escape makes a value safe in a workflow command (::add-mask::VALUE).
escape() {
	local s=$1
	s=${s//'%'/'%25'}
	s=${s//$'\r'/'%0D'}
	s=${s//$'\n'/'%0A'}
	printf '%s' "$s"
}

mask() {
	[ -n "$1" ] && echo "::add-mask::$(escape "$1")"
	return 0
}

# mask_kubeconfig masks every credential-like value of the kubeconfig (YAML or JSON).
mask_kubeconfig() {
	local line key value re='^[[:space:]-]*"?([A-Za-z0-9_.-]+)"?[[:space:]]*:[[:space:]]*(.*)$'
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ $re ]] || continue
		key=${BASH_REMATCH[1],,}
		value=${BASH_REMATCH[2]%,}
		value=${value%\"}
		value=${value#\"}
		value=${value%\'}
		value=${value#\'}
		case "$key" in
		*token* | *password* | *secret* | *key* | *cert* | *-data | *auth* | *credential*)
			[ ${#value} -ge 6 ] && mask "$value"
			;;
		esac
	done <<<"$1"
}

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

is_bool() {
	case "$2" in
	true | false) ;;
	*) fail "input $1: want true or false" ;;
	esac
}

bin=${KUBECTL_GITOPS:?KUBECTL_GITOPS not set: the install step did not run}
cmd=${GITOPS_INPUT_COMMAND:-}
case "$cmd" in
plan | apply) ;;
*) fail "input command: want plan or apply" ;;
esac
is_bool prune "${GITOPS_INPUT_PRUNE:-true}"
is_bool wait "${GITOPS_INPUT_WAIT:-false}"
is_bool comment "${GITOPS_INPUT_COMMENT:-true}"
is_bool status "${GITOPS_INPUT_STATUS:-true}"

args=("$cmd" --prune="${GITOPS_INPUT_PRUNE:-true}")
while IFS= read -r p; do
	p=$(trim "$p")
	if [ -n "$p" ]; then args+=(--path "$p"); fi
done <<<"${GITOPS_INPUT_PATH:-}"
allow=${GITOPS_INPUT_ALLOW_NAMESPACE:-}
while IFS= read -r ns; do
	ns=$(trim "$ns")
	if [ -n "$ns" ]; then args+=(--allow-namespace "$ns"); fi
done <<<"${allow//,/$'\n'}"
if [ -n "${GITOPS_INPUT_REF:-}" ]; then args+=(--ref "$GITOPS_INPUT_REF"); fi
if [ -n "${GITOPS_INPUT_APPLYSET:-}" ]; then args+=(--applyset "$GITOPS_INPUT_APPLYSET"); fi
if [ -n "${GITOPS_INPUT_APPLYSET_NAMESPACE:-}" ]; then args+=(--applyset-namespace "$GITOPS_INPUT_APPLYSET_NAMESPACE"); fi
if [ -n "${GITOPS_INPUT_DEFAULT_NAMESPACE:-}" ]; then args+=(--default-namespace "$GITOPS_INPUT_DEFAULT_NAMESPACE"); fi

name=${GITOPS_INPUT_NAME:-}
if [ -n "${GITOPS_INPUT_BASE:-}" ]; then
	[ "$cmd" = plan ] || fail "input base: only for plan (an offline plan)"
	args+=(--base "$GITOPS_INPUT_BASE")
fi
if [ "${GITOPS_INPUT_WAIT:-false}" = true ]; then
	if [ "$cmd" = apply ]; then
		args+=(--wait)
	else
		echo "::warning title=kubectl-gitops::input wait is for apply; plan ignores it"
	fi
fi
if [ "$cmd" = apply ]; then args+=(--progress log); fi

if [ "${GITOPS_INPUT_STATUS:-true}" = true ]; then
	args+=(--github-status)
	if [ -n "$name" ]; then args+=(--github-status-context "gitops/$cmd/$name"); fi
fi
if [ "$cmd" = plan ] && [ "${GITOPS_INPUT_COMMENT:-true}" = true ]; then
	case "${GITHUB_EVENT_NAME:-}" in
	pull_request | pull_request_target)
		args+=(--github-comment --github-comment-author "${GITOPS_INPUT_COMMENT_AUTHOR:-github-actions[bot]}")
		if [ -n "$name" ]; then args+=(--github-comment-name "$name"); fi
		if [ -n "${GITOPS_INPUT_COMMENT_MAX_PAGES:-}" ]; then args+=(--github-comment-max-pages "$GITOPS_INPUT_COMMENT_MAX_PAGES"); fi
		;;
	*) echo "not a pull_request event: no plan comment" ;;
	esac
fi
# Problems and changes as annotations at their file:line in the pull request's Files tab.
if [ "$cmd" = plan ]; then
	case "${GITHUB_EVENT_NAME:-}" in
	pull_request | pull_request_target) args+=(--github-annotations) ;;
	esac
fi

# Webhook URLs are secrets: they reach the plugin in its environment (GITOPS_NOTIFY,
# one per line), never on its command line, which every user of the runner can read.
notify=
while IFS= read -r url; do
	url=$(trim "$url")
	if [ -n "$url" ]; then
		mask "$url"
		notify+="$url"$'\n'
	fi
done <<<"${GITOPS_INPUT_NOTIFY:-}"
unset GITOPS_INPUT_NOTIFY

# The result's files outlive this step (the outputs name them); the kubeconfig does not.
tmp_root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
result=$(mktemp -d "$tmp_root/kubectl-gitops-result.XXXXXX")
args+=(--output-dir "$result")
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then args+=(--summary-file "$GITHUB_STEP_SUMMARY"); fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then args+=(--github-output "$GITHUB_OUTPUT"); fi

if [ -n "${GITOPS_INPUT_KUBECONFIG:-}" ]; then
	mask_kubeconfig "$GITOPS_INPUT_KUBECONFIG"
	private=$(mktemp -d "$tmp_root/kubectl-gitops-kubeconfig.XXXXXX")
	trap 'rm -rf "$private"' EXIT
	trap 'rm -rf "$private"; exit 130' INT
	trap 'rm -rf "$private"; exit 143' TERM
	chmod 0700 "$private"
	(
		umask 077
		printf '%s\n' "$GITOPS_INPUT_KUBECONFIG" >"$private/kubeconfig"
	)
	chmod 0600 "$private/kubeconfig"
	args+=(--kubeconfig "$private/kubeconfig")
elif [ -z "${GITOPS_INPUT_BASE:-}" ]; then
	echo "no kubeconfig input: using the runner's (KUBECONFIG or ~/.kube/config)"
fi
unset GITOPS_INPUT_KUBECONFIG # the plugin reads the file, not the variable

if [ -n "$notify" ]; then export GITOPS_NOTIFY="$notify"; fi
set +e
"$bin" "${args[@]}" -- "${GITOPS_INPUT_SOURCE:-.}"
rc=$?
set -e
case "$cmd:$rc" in
plan:0 | plan:1 | apply:0) exit 0 ;; # plan: 1 means changes, not a failure
esac
echo "::error title=kubectl-gitops::kubectl gitops $cmd failed (exit $rc)"
exit "$rc"
