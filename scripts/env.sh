# The offline Pulumi environment, to `source` before typing `pulumi ...` in this repository:
#   source scripts/env.sh && pulumi preview --stack lab
# It puts the CLI and the offline language host (built by scripts/engine.sh) on PATH, keeps
# state in a file backend under .state/, and turns off update checks and plugin downloads.
# Values already in the environment win. Without a passphrase it sets the lab stacks' one
# (their state holds nothing worth hiding) and says so: set your own for any other stack.
# The lab stacks name the lab's Docker socket in their stack files; other stacks use
# interlock-ingress:docker or DOCKER_HOST & co from a UCP client bundle's env.sh.
_ii_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ii_bin="$(bash "$_ii_repo/scripts/engine.sh")" || return 1 2>/dev/null || exit 1
case ":$PATH:" in *":$_ii_bin:"*) ;; *) export PATH="$_ii_bin:$PATH" ;; esac
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_ii_repo/.state/backend}"
export PULUMI_HOME="${PULUMI_HOME:-$_ii_repo/.state/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  export PULUMI_CONFIG_PASSPHRASE=interlock-ingress-lab
  echo "env.sh: PULUMI_CONFIG_PASSPHRASE is the lab stacks' passphrase; set your own for any other stack" >&2
fi
mkdir -p "${PULUMI_BACKEND_URL#file://}" "$PULUMI_HOME"
unset _ii_repo _ii_bin
