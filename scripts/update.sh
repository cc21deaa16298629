#!/usr/bin/env bash
# Updates a deployment made by scripts/deploy.sh to this checkout: rebuilds
# the Lambda functions, applies the Terraform stack with the environment's
# variables file (terraform/environments/<env>.tfvars.json, as deploy.sh
# wrote it), refreshes terraform-outputs.json and uploads rules/. Data is
# kept: nothing is destroyed, and the secrets are left as they are.
#
#   scripts/update.sh [--environment NAME] [--dry-run] [--skip-build]
#
# --environment is the environment deploy.sh was given (default: dev).
# --dry-run prints the commands without running them (no AWS account needed).
# --skip-build uses the zips already in target/lambda.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib.sh
source scripts/lib.sh

ENVIRONMENT=dev
SKIP_BUILD=0
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
    --skip-build)
      SKIP_BUILD=1
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
  if [[ -z $REGION ]]; then
    die "terraform/$VAR_FILE has no \"region\": add it (e.g. \"region\": \"us-east-1\") or re-run scripts/deploy.sh --environment $ENVIRONMENT"
  fi
  dist=$(tfvars_value "terraform/$VAR_FILE" lambda_dist)
  if [[ $dist != "$(lambda_dist)" ]]; then
    echo "warning: terraform/$VAR_FILE takes the Lambda zips from $dist, not $(lambda_dist) (CARGO_TARGET_DIR changed?): re-run scripts/deploy.sh --environment $ENVIRONMENT to point it here" >&2
  fi
fi

if [[ $SKIP_BUILD -eq 1 ]]; then
  check_tools terraform aws
else
  check_tools terraform aws cargo zip
fi
echo
echo "Updating $NAME in $REGION$([[ $DRY_RUN -eq 0 ]] || echo ' (dry run: nothing is run or written)')"

section "1/5 AWS credentials"
ACCOUNT=""
aws_account ACCOUNT "$REGION"

section "2/5 Lambda functions"
build_lambdas "$SKIP_BUILD"

section "3/5 Terraform (workspace $NAME)"
run "${TF[@]}" init -input=false
show "${TF[@]}" workspace select "$NAME"
if [[ $DRY_RUN -eq 0 ]] && ! "${TF[@]}" workspace select "$NAME"; then
  die "no Terraform state for $NAME in this checkout: deploy it with scripts/deploy.sh --environment $ENVIRONMENT"
fi
run "${TF[@]}" apply -input=false -auto-approve "-var-file=$VAR_FILE"

section "4/5 Outputs"
run_to terraform-outputs.json "${TF[@]}" output -json
tf_output RULES_BUCKET rules_bucket

section "5/5 Detection rules"
sync_rules "$RULES_BUCKET" "$REGION"

echo
if [[ $DRY_RUN -eq 1 ]]; then
  echo "Dry run done: nothing was run or written."
else
  echo "Updated $NAME in $REGION (account $ACCOUNT)."
fi
