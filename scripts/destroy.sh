#!/usr/bin/env bash
# Destroys a deployment made by scripts/deploy.sh: every resource of the
# environment, its logs, tables, rules and alerts included (the buckets are
# emptied and the DynamoDB tables' deletion protection lifted first), then
# its Terraform workspace, and removes terraform-outputs.json. Asks for the
# environment's name on stdin first and stops unless it is typed exactly;
# there is no flag to skip that.
#
#   scripts/destroy.sh [--environment NAME] [--dry-run]
#
# --environment is the environment deploy.sh was given (default: dev).
# --dry-run asks too, then prints the commands without running them.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib.sh
source scripts/lib.sh

ENVIRONMENT=dev
while [[ $# -gt 0 ]]; do
  case $1 in
    --environment)
      ENVIRONMENT=$(flag_value "$@")
      shift 2
      ;;
    --environment=*)
      ENVIRONMENT=${1#*=}
      shift
      ;;
    --dry-run)
      DRY_RUN=1
      shift
      ;;
    -h | --help)
      print_help
      exit 0
      ;;
    *) usage_error "unknown option $1 (try --help)" ;;
  esac
done
if ! expected=$(valid_environment "$ENVIRONMENT"); then
  usage_error "--environment: expected $expected (try --help)"
fi

NAME=mantissa-$ENVIRONMENT
VAR_FILE=$(var_file "$ENVIRONMENT")
RERUN="re-run $0 --environment $ENVIRONMENT"
REGION="<region>"
if require_var_file "$ENVIRONMENT"; then
  REGION=$(tfvars_value "terraform/$VAR_FILE" region)
fi
check_tools terraform

cat >&2 <<EOF

This destroys $NAME in ${REGION:-its region}: the buckets with every log,
table and rule in them, the alerts and the other DynamoDB tables, the
functions, the API, the Cognito users and the secrets. It cannot be undone.
EOF
printf 'Type the environment name (%s) to destroy everything, logs included: ' "$ENVIRONMENT" >&2
answer=""
IFS= read -r answer || true
if [[ ! -t 0 ]]; then
  printf '%s\n' "$answer" >&2
fi
if [[ $answer != "$ENVIRONMENT" ]]; then
  echo "Aborted: the answer was not '$ENVIRONMENT'; nothing was destroyed." >&2
  exit 1
fi
echo "Destroying $NAME in $REGION$([[ $DRY_RUN -eq 0 ]] || echo ' (dry run: nothing is run or removed)')"

# Lets Terraform empty the versioned buckets and drop the tables' protection.
UNPROTECT=("-var-file=$VAR_FILE" -var force_destroy=true -var deletion_protection=false)

section "1/3 Terraform (workspace $NAME)"
run "${TF[@]}" init -input=false
show "${TF[@]}" workspace select "$NAME"
if [[ $DRY_RUN -eq 0 ]] && ! "${TF[@]}" workspace select "$NAME"; then
  die "no Terraform state for $NAME in this checkout (terraform -chdir=terraform workspace list shows those there): check --environment; resources deployed from another checkout are destroyed from there"
fi

section "2/3 Protection off, then destroy"
run "${TF[@]}" apply -input=false -auto-approve "${UNPROTECT[@]}"
run "${TF[@]}" destroy -input=false -auto-approve "${UNPROTECT[@]}"

section "3/3 Workspace and outputs"
run "${TF[@]}" workspace select default
run "${TF[@]}" workspace delete "$NAME"
run rm -f terraform-outputs.json

echo
if [[ $DRY_RUN -eq 1 ]]; then
  echo "Dry run done: nothing was run or removed."
else
  echo "Destroyed $NAME. terraform/$VAR_FILE is kept for a later scripts/deploy.sh --environment $ENVIRONMENT; delete it if there will be none."
fi
