#!/usr/bin/env bash
# End-to-end test of the kubectl plugin (bin/kubectl-agents) as a user runs it.
#
# Starts the simulated cluster (`sim`) and the operator (`run`) from target/openrtc-operator.jar,
# creates examples/demo.yaml with curl (there is no kubectl), bumps its version, and drives
# `kubectl agents rollout status|history|undo|pause|resume|restart`, `kubectl agents get` (one
# deployment, and the list with -A) and `kubectl agents completion bash`, checking exit codes and
# output; the cluster flags go before and after the subcommand. Run after `mvn package`:
#
#   bash tests/kubectl-agents-test.sh
#
# Prints one line per step, stops at the first failed check (exit 1), and ends with the line
# "N passed, 0 failed". Every wait is bounded; both background processes are stopped on exit.
set -uo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
jar="target/openrtc-operator.jar"
plugin="bin/kubectl-agents"
unset OPENRTC_OPERATOR_JAR   # the plugin must find the jar the way it does for a user: ../target/

STARTUP_WAIT=60        # seconds for the simulated API server to answer
STATUS_TIMEOUT=90s     # `rollout status --timeout`
CMD_LIMIT=120          # hard limit on any one plugin command (seconds)
UNREACHABLE_LIMIT=15   # an unreachable cluster is reported within this many seconds (JVM start included)

TMP="$(mktemp -d "${TMPDIR:-/tmp}/kubectl-agents-test.XXXXXX")"
KC="$TMP/kubeconfig"
sim_pid=""
op_pid=""
cmd_pid=""
passed=0
started=$SECONDS

# --- processes --------------------------------------------------------------------------------

stop() { # PID NAME: SIGTERM, up to 10 s to exit, then SIGKILL; always reaped
  local pid="$1" name="$2" i
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "   ($name did not stop within 10 s; killing it)"
      kill -9 "$pid" 2>/dev/null
    fi
  fi
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop "$cmd_pid" "the running command"
  stop "$op_pid" operator
  stop "$sim_pid" sim
  if [ "$rc" -ne 0 ]; then
    for log in operator sim; do
      if [ -s "$TMP/$log.log" ]; then
        echo "--- last lines of the $log log ---"
        tail -n 25 "$TMP/$log.log"
      fi
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; echo "$passed passed, 1 failed"; exit 130' INT TERM

# --- checks -----------------------------------------------------------------------------------

fail() {
  echo "FAIL: $*"
  if [ -n "${last_cmd:-}" ]; then
    echo "--- command: $last_cmd (exit ${last_rc:-?}) ---"
    echo "--- stdout ---"; cat "$TMP/stdout" 2>/dev/null
    echo "--- stderr ---"; cat "$TMP/stderr" 2>/dev/null
  fi
  if [ -n "$sim_pid" ] && ! kill -0 "$sim_pid" 2>/dev/null; then echo "note: the simulated cluster (sim) is no longer running"; fi
  if [ -n "$op_pid" ] && ! kill -0 "$op_pid" 2>/dev/null; then echo "note: the operator (run) is no longer running"; fi
  echo "$passed passed, 1 failed"
  exit 1
}

pass() {
  passed=$((passed + 1))
  echo "   ok: $*"
}

require_running() {
  if [ -n "$sim_pid" ] && ! kill -0 "$sim_pid" 2>/dev/null; then fail "the simulated cluster (sim) exited"; fi
  if [ -n "$op_pid" ] && ! kill -0 "$op_pid" 2>/dev/null; then fail "the operator (run) exited"; fi
}

# run CMD...: runs a command with a hard time limit; stdout/stderr kept for the expect_* helpers.
run() {
  require_running
  last_cmd="$*"
  echo "==> $last_cmd"
  local t0=$SECONDS
  # In the background and waited for, so that a signal to this script is handled at once.
  timeout -k 5 "$CMD_LIMIT" "$@" >"$TMP/stdout" 2>"$TMP/stderr" </dev/null &
  cmd_pid=$!
  wait "$cmd_pid"
  last_rc=$?
  cmd_pid=""
  last_secs=$((SECONDS - t0))
  if [ "$last_rc" -eq 124 ] || [ "$last_rc" -eq 137 ]; then
    fail "command did not finish within ${CMD_LIMIT}s"
  fi
}

# expect_exit CODE CMD...: runs CMD (through the plugin when it starts with a subcommand or a flag).
expect_exit() {
  local want="$1"; shift
  case "$1" in
    rollout|get|completion|-*) run "$plugin" "$@" ;;
    *) run "$@" ;;
  esac
  [ "$last_rc" -eq "$want" ] || fail "expected exit code $want, got $last_rc"
  pass "exit $want (${last_secs}s)"
}

# expect_output PATTERN: stdout or stderr of the last command matches the extended regex.
expect_output() {
  grep -Eq -- "$1" "$TMP/stdout" "$TMP/stderr" || fail "output does not match /$1/"
  pass "output matches /$1/"
}

# expect_error PATTERN: stderr of the last command matches (errors go to stderr, as in kubectl),
# and the error is a message, not a Java stack trace.
expect_error() {
  grep -Eq -- "$1" "$TMP/stderr" || fail "stderr does not match /$1/"
  if grep -Eq '^[[:space:]]+at [[:alnum:]_$.]+\(' "$TMP/stderr"; then fail "stderr holds a stack trace"; fi
  pass "stderr matches /$1/, no stack trace"
}

# expect_last_line PATTERN: the last non-empty line of stdout matches.
expect_last_line() {
  local line
  line="$(grep -v '^[[:space:]]*$' "$TMP/stdout" | tail -n 1)"
  printf '%s\n' "$line" | grep -Eq -- "$1" || fail "last line of stdout does not match /$1/: \"$line\""
  pass "last line matches /$1/"
}

# show: prints the last command's stdout, indented (sample output for the reader).
show() {
  sed 's/^/   | /' "$TMP/stdout"
}

# expect_no_output PATTERN: neither stdout nor stderr matches.
expect_no_output() {
  if grep -Eq -- "$1" "$TMP/stdout" "$TMP/stderr"; then fail "output unexpectedly matches /$1/"; fi
  pass "output does not match /$1/"
}

# --- the cluster ------------------------------------------------------------------------------

[ -f "$jar" ] || { echo "FAIL: $jar not found; run 'mvn package' first"; exit 1; }
[ -x "$plugin" ] || { echo "FAIL: $plugin is missing or not executable"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is needed"; exit 1; }

echo "==> starting the simulated cluster"
java -jar "$jar" sim --kubeconfig "$KC" --startup-ms 300 >"$TMP/sim.log" 2>&1 </dev/null &
sim_pid=$!

server=""
deadline=$((SECONDS + STARTUP_WAIT))
api_path="/apis/agents.openrtc.tech/v1alpha1/namespaces/default/agentdeployments"
while :; do
  kill -0 "$sim_pid" 2>/dev/null || fail "sim exited before its API server answered"
  if [ -s "$KC" ]; then
    server="$(sed -n 's/^[[:space:]]*server:[[:space:]]*//p' "$KC" | head -n 1 | tr -d "\"' ")"
    server="${server%/}"
    if [ -n "$server" ] \
      && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$server$api_path")" = 200 ]; then
      break
    fi
  fi
  [ "$SECONDS" -lt "$deadline" ] || fail "the simulated API server did not answer within ${STARTUP_WAIT}s"
  sleep 0.2
done
pass "API server answers at $server"

echo "==> starting the operator"
java -jar "$jar" run --kubeconfig "$KC" --http-port 0 >"$TMP/operator.log" 2>&1 </dev/null &
op_pid=$!

# --- the AgentDeployment, through the API as kubectl would write it ---------------------------

crd_url="$server$api_path"
if python3 -c 'import yaml' 2>/dev/null; then
  python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' \
    examples/demo.yaml >"$TMP/quickstart.json" || fail "cannot convert examples/demo.yaml to JSON"
else
  # examples/demo.yaml as JSON (no PyYAML here); keep the two in step.
  cat >"$TMP/quickstart.json" <<'JSON'
{"apiVersion": "agents.openrtc.tech/v1alpha1", "kind": "AgentDeployment",
 "metadata": {"name": "support", "namespace": "default"},
 "spec": {"version": "2026.11.1", "replicas": 3, "agentName": "support",
  "template": {"spec": {"terminationGracePeriodSeconds": 60,
   "containers": [{"name": "agent", "image": "ghcr.io/openrtc/example-agent:2026.11.1",
    "readinessProbe": {"httpGet": {"path": "/", "port": 8081}}}]}},
  "drain": {"trigger": "Annotation",
   "inFlight": {"http": {"port": 8081, "path": "/worker", "field": "active_jobs"}},
   "pollSeconds": 1, "timeoutSeconds": 120, "onTimeout": "Terminate"},
  "strategy": {"autoPromote": true, "minReadySeconds": 0, "progressDeadlineSeconds": 120}}}
JSON
fi

# api METHOD URL CONTENT-TYPE BODY-FILE: prints the HTTP status code.
api() {
  curl -s -o "$TMP/stdout" -w '%{http_code}' --max-time 10 -X "$1" -H "Content-Type: $3" \
    --data-binary "@$4" "$2" 2>"$TMP/stderr"
}

last_cmd="POST examples/demo.yaml to $crd_url"
echo "==> $last_cmd"
code="$(api POST "$crd_url" application/json "$TMP/quickstart.json")"; last_rc=$code
[ "$code" = 201 ] || fail "expected HTTP 201 creating the AgentDeployment, got $code"
pass "HTTP 201 created agentdeployment support"

# --- first rollout ----------------------------------------------------------------------------

K=(--kubeconfig "$KC")

expect_exit 0 rollout status support "${K[@]}" --timeout "$STATUS_TIMEOUT"
expect_last_line 'successfully rolled out'

expect_exit 0 get support "${K[@]}"
expect_output 'Active: 2026\.11\.1 '

# --- the list, as `kubectl get agd` prints it ---------------------------------------------------

expect_exit 0 get -A "${K[@]}"
show
expect_output '^NAMESPACE +NAME +READY +ACTIVE +TARGET +DRAINING +CALLS +PHASE +AGE$'
expect_output '^default +support +3/3 +2026\.11\.1 +2026\.11\.1 .* Healthy +[0-9]+[smhd]$'

expect_exit 0 "${K[@]}" get -o wide
expect_output '^NAME +READY .* AGE +ACTIVE-REVISION +TARGET-REVISION$'
expect_no_output '^NAMESPACE'

expect_exit 0 get -l app=nosuch "${K[@]}"
expect_output 'No resources found in default namespace'

expect_exit 1 -n empty rollout status "${K[@]}"
expect_error '^error: no agentdeployments in namespace "empty": name one'

# --- a version bump ---------------------------------------------------------------------------

cat >"$TMP/bump.json" <<'JSON'
{"metadata": {"annotations": {"kubernetes.io/change-cause": "bump to 2026.11.2"}},
 "spec": {"version": "2026.11.2"}}
JSON
last_cmd="PATCH (merge) spec.version=2026.11.2 on $crd_url/support"
echo "==> $last_cmd"
code="$(api PATCH "$crd_url/support" application/merge-patch+json "$TMP/bump.json")"; last_rc=$code
# A real API server answers 200; the fabric8 mock server answers 202.
case "$code" in 200|202) ;; *) fail "expected HTTP 200 patching the AgentDeployment, got $code" ;; esac
pass "HTTP $code version bumped"

# no NAME: the namespace's only AgentDeployment; the cluster flags before the subcommand
expect_exit 0 -n default "${K[@]}" rollout status -w --timeout "$STATUS_TIMEOUT"
show
expect_last_line 'agentdeployment "support" successfully rolled out.*2026\.11\.2'

expect_exit 0 rollout history support "${K[@]}"
expect_output '^REVISION +VERSION'
expect_output '^1 +2026\.11\.1 '
expect_output '^2 +2026\.11\.2 .*bump to 2026\.11\.2'
expect_no_output '^3 '

expect_exit 0 rollout history support --revision 1 "${K[@]}"
expect_output '^version: "?2026\.11\.1"?$'

expect_exit 1 rollout history support --revision 99 "${K[@]}"
expect_error '^error: .*99'

# --- undo -------------------------------------------------------------------------------------

expect_exit 0 rollout undo support "${K[@]}"
expect_output 'rolled back to revision 1'

expect_exit 0 rollout status support "${K[@]}" --timeout "$STATUS_TIMEOUT"
expect_last_line 'successfully rolled out.*2026\.11\.1'

expect_exit 0 get support "${K[@]}"
expect_output 'Active: 2026\.11\.1 '

expect_exit 1 rollout undo support --to-revision 99 "${K[@]}"
expect_error '^error: .*99'

# --- pause / resume ---------------------------------------------------------------------------

expect_exit 0 rollout pause support "${K[@]}"
expect_exit 1 rollout pause support "${K[@]}"
expect_error '^error: .*already paused'
expect_exit 0 rollout resume support "${K[@]}"

# --- errors a user meets ----------------------------------------------------------------------

expect_exit 1 get nosuch "${K[@]}"
expect_error '^error: .*not found'

sed -E 's#^([[:space:]]*server:).*#\1 http://127.0.0.1:1#' "$KC" >"$TMP/closed.kubeconfig"
grep -q 'server: http://127.0.0.1:1$' "$TMP/closed.kubeconfig" || fail "could not write the closed-port kubeconfig"
expect_exit 1 rollout status support --kubeconfig "$TMP/closed.kubeconfig" --timeout 30s
expect_error '^error: '
[ "$last_secs" -le "$UNREACHABLE_LIMIT" ] \
  || fail "an unreachable cluster took ${last_secs}s to report (limit ${UNREACHABLE_LIMIT}s)"
pass "unreachable cluster reported in ${last_secs}s"

expect_exit 1 get support --kubeconfig "$TMP/no-such-kubeconfig"
expect_error '^error: .*no-such-kubeconfig'

expect_exit 1 get support "${K[@]}" --context no-such-context
expect_error '^error: .*no-such-context'

expect_exit 1 "$plugin" nosuch
expect_error '^error: unknown command "nosuch"'

# --- completion -------------------------------------------------------------------------------

expect_exit 0 completion bash
expect_output '^complete -F _complete_kubectl-agents '
bash -n "$TMP/stdout" || fail "the completion script is not valid bash"
pass "bash -n accepts the completion script"

# --- restart ----------------------------------------------------------------------------------

expect_exit 0 rollout restart support "${K[@]}"
expect_exit 0 rollout status support "${K[@]}" --timeout "$STATUS_TIMEOUT"
expect_last_line 'successfully rolled out.*2026\.11\.1'

expect_exit 0 get support "${K[@]}"
expect_output 'Ready: 3/3'

require_running
echo "all checks passed in $((SECONDS - started))s"
echo "$passed passed, 0 failed"
