#!/usr/bin/env bash
# Deploys Mantissa Log to an AWS account. Asks five questions on stdin
# (environment, region, LLM provider, VPC Flow Logs, GuardDuty), checks the
# tools and the AWS credentials, builds the Lambda functions, writes
# terraform/environments/<env>.tfvars.json, applies the Terraform stack in
# the workspace mantissa-<env> (one state per environment), saves its outputs
# to terraform-outputs.json, sets the secrets (never echoed), uploads rules/,
# writes slack-app-manifest.yaml and prints the next steps.
#
#   scripts/deploy.sh [--environment NAME] [--region REGION] [--llm PROVIDER]
#                     [--vpc-flow-logs y|n] [--guardduty y|n]
#                     [--yes] [--dry-run] [--skip-build]
#
# A flag answers its question: --llm is bedrock, anthropic, openai or none.
# --yes takes the default of every other question and reads nothing from
# stdin: the secrets then come from MANTISSA_SLACK_SIGNING_SECRET,
# MANTISSA_SLACK_BOT_TOKEN, MANTISSA_LLM_API_KEY (anthropic, openai) and
# MANTISSA_PAGERDUTY_ROUTING_KEY, each skipped when empty (those variables
# also spare the prompts without --yes).
# --dry-run prints every command and the variables file, runs and writes
# nothing, and needs no AWS account, terraform or aws CLI.
# --skip-build uses the zips already in target/lambda.
# Safe to re-run: the stack is updated in place and the secrets given set.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib.sh
source scripts/lib.sh

valid_region() {
  if [[ $1 =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
    printf '%s' "$1"
  else
    printf 'an AWS region such as us-east-1, eu-west-1 or ap-southeast-2'
    return 1
  fi
}

valid_llm() {
  local p
  p=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
  case $p in
    bedrock | anthropic | openai | none) printf '%s' "$p" ;;
    *)
      printf 'bedrock, anthropic, openai or none'
      return 1
      ;;
  esac
}

valid_yes_no() {
  case $(printf '%s' "$1" | tr '[:upper:]' '[:lower:]') in
    y | yes) printf y ;;
    n | no) printf n ;;
    *)
      printf 'y or n'
      return 1
      ;;
  esac
}

ENVIRONMENT=""
REGION=""
LLM=""
VPC_FLOW_LOGS=""
GUARDDUTY=""
YES=0
SKIP_BUILD=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --environment | --region | --llm | --vpc-flow-logs | --guardduty)
      value=$(flag_value "$@")
      flag=$1
      shift 2
      ;;
    --environment=* | --region=* | --llm=* | --vpc-flow-logs=* | --guardduty=*)
      flag=${1%%=*}
      value=${1#*=}
      shift
      ;;
    --yes | --dry-run | --skip-build)
      case $1 in
        --yes) YES=1 ;;
        --dry-run) DRY_RUN=1 ;;
        *) SKIP_BUILD=1 ;;
      esac
      shift
      continue
      ;;
    -h | --help)
      print_help
      exit 0
      ;;
    *) usage_error "unknown option $1 (try --help)" ;;
  esac
  case $flag in
    --environment) valid=valid_environment ;;
    --region) valid=valid_region ;;
    --llm) valid=valid_llm ;;
    *) valid=valid_yes_no ;;
  esac
  if ! value=$("$valid" "$value"); then
    usage_error "$flag: expected $value (try --help)"
  fi
  case $flag in
    --environment) ENVIRONMENT=$value ;;
    --region) REGION=$value ;;
    --llm) LLM=$value ;;
    --vpc-flow-logs) VPC_FLOW_LOGS=$value ;;
    --guardduty) GUARDDUTY=$value ;;
  esac
done

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# ask VAR QUESTION DEFAULT VALIDATOR FLAG: asks until the answer is valid
# (an empty answer is the default); stops when the input ends.
ask() {
  local var=$1 question=$2 default=$3 valid=$4 flag=$5 answer value last=""
  while true; do
    printf '%s [%s]: ' "$question" "$default" >&2
    if ! IFS= read -r answer && [[ -z $answer ]]; then
      echo >&2
      if [[ -n $last ]]; then
        die "no valid answer to \"$question\" before the input ended: '$last' is not valid, expected $value. Answer it on stdin or pass $flag (--yes takes the defaults)"
      fi
      die "the input ended before an answer to \"$question\": answer each question on its own line, pass $flag, or pass --yes to take the defaults"
    fi
    if [[ ! -t 0 ]]; then
      printf '%s\n' "$answer" >&2 # the answer, as a terminal would echo it
    fi
    answer=$(trim "$answer")
    if value=$("$valid" "${answer:-$default}"); then
      printf -v "$var" '%s' "$value"
      return
    fi
    echo "  '$answer' is not valid: expected $value. Try again." >&2
    last=$answer
  done
}

# A JSON string literal of $1 (quotes, backslashes and control characters
# escaped; other control characters refused).
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  if [[ $s == *[[:cntrl:]]* ]]; then
    return 1
  fi
  printf '"%s"' "$s"
}

yes_no() {
  if [[ $1 == y ]]; then printf yes; else printf no; fi
}

json_bool() {
  if [[ $1 == y ]]; then printf true; else printf false; fi
}

# read_secret VAR ENV_VAR PROMPT: VAR is ENV_VAR's value, else (without
# --yes) asked on stdin without echo; empty when not given.
read_secret() {
  local var=$1 value=${!2:-} prompt=$3
  if [[ -z $value && $YES -eq 0 ]]; then
    printf '%s (empty to skip): ' "$prompt" >&2
    IFS= read -rs value || true # the input ended: skipped
    echo >&2
  fi
  printf -v "$var" '%s' "$(trim "$value")"
}

# put_secret ARN SHOWN JSON: sets the secret's value from stdin, so it
# appears on no command line; the + line shows SHOWN.
put_secret() {
  local arn=$1 shown=$2 json=$3
  local cmd=(aws secretsmanager put-secret-value --secret-id "$arn" --secret-string file:///dev/stdin --region "$REGION")
  printf "+ %s <<< '%s'\n" "$(quote_cmd "${cmd[@]}")" "$shown"
  if [[ $DRY_RUN -eq 0 ]]; then
    printf '%s' "$json" | "${cmd[@]}" || failed $? "${cmd[@]}"
  fi
}

# json_object VAR KEY VALUE...: sets VAR to the JSON object of the pairs.
json_object() {
  local var=$1 out="" literal
  shift
  while [[ $# -gt 0 ]]; do
    literal=$(json_string "$2") || die "the $1 given holds a control character: paste it again without it"
    out+="${out:+,}\"$1\":$literal"
    shift 2
  done
  printf -v "$var" '{%s}' "$out"
}

if [[ $SKIP_BUILD -eq 1 ]]; then
  check_tools terraform aws
else
  check_tools terraform aws cargo zip
fi

if [[ $YES -eq 1 ]]; then
  ENVIRONMENT=${ENVIRONMENT:-dev}
  REGION=${REGION:-us-east-1}
  LLM=${LLM:-bedrock}
  VPC_FLOW_LOGS=${VPC_FLOW_LOGS:-y}
  GUARDDUTY=${GUARDDUTY:-y}
fi
[[ -n $ENVIRONMENT ]] || ask ENVIRONMENT "Environment name (dev/staging/prod)" dev valid_environment "--environment NAME"
[[ -n $REGION ]] || ask REGION "AWS Region" us-east-1 valid_region "--region REGION"
[[ -n $LLM ]] || ask LLM "LLM Provider (bedrock/anthropic/openai/none)" bedrock valid_llm "--llm PROVIDER"
[[ -n $VPC_FLOW_LOGS ]] || ask VPC_FLOW_LOGS "Enable VPC Flow Logs ingestion? (y/n)" y valid_yes_no "--vpc-flow-logs y|n"
[[ -n $GUARDDUTY ]] || ask GUARDDUTY "Enable GuardDuty integration? (y/n)" y valid_yes_no "--guardduty y|n"

NAME=mantissa-$ENVIRONMENT
VAR_FILE=$(var_file "$ENVIRONMENT")
# The command that repeats this deployment (and asks only for the secrets).
AGAIN="scripts/deploy.sh --environment $ENVIRONMENT --region $REGION --llm $LLM --vpc-flow-logs $VPC_FLOW_LOGS --guardduty $GUARDDUTY --skip-build"
RERUN="re-run $AGAIN"
if [[ $SKIP_BUILD -eq 0 ]]; then
  RERUN="re-run ${AGAIN% --skip-build}"
fi
LLM_SECRET=0
if [[ $LLM == anthropic || $LLM == openai ]]; then
  LLM_SECRET=1
fi

DRY_NOTE=""
if [[ $DRY_RUN -eq 1 ]]; then
  DRY_NOTE=" (dry run: nothing is run or written)"
fi
echo
echo "Deploying $NAME to $REGION: LLM provider $LLM, VPC Flow Logs $(yes_no "$VPC_FLOW_LOGS"), GuardDuty $(yes_no "$GUARDDUTY")$DRY_NOTE"

section "1/8 AWS credentials"
ACCOUNT=""
aws_account ACCOUNT "$REGION"

section "2/8 Lambda functions"
build_lambdas "$SKIP_BUILD"

section "3/8 Terraform variables"
DIST_JSON=$(json_string "$(lambda_dist)") || die "the path $(lambda_dist) holds a control character: set CARGO_TARGET_DIR to another directory"
tfvars=$(
  cat <<EOF
{
  "name": "$NAME",
  "region": "$REGION",
  "llm_provider": "$LLM",
  "enable_vpc_flow_logs": $(json_bool "$VPC_FLOW_LOGS"),
  "enable_guardduty": $(json_bool "$GUARDDUTY"),
  "lambda_dist": $DIST_JSON
}
EOF
)
run mkdir -p terraform/environments
echo "+ cat > terraform/$VAR_FILE <<'EOF'"
printf '%s\nEOF\n' "$tfvars"
if [[ $DRY_RUN -eq 0 ]]; then
  printf '%s\n' "$tfvars" >"terraform/$VAR_FILE"
fi

section "4/8 Terraform (workspace $NAME)"
run "${TF[@]}" init -input=false
run "${TF[@]}" workspace select -or-create "$NAME"
run "${TF[@]}" apply -input=false -auto-approve "-var-file=$VAR_FILE"

section "5/8 Outputs"
run_to terraform-outputs.json "${TF[@]}" output -json
tf_output API_URL api_url
tf_output API_ENDPOINT api_endpoint
tf_output RULES_BUCKET rules_bucket
tf_output SLACK_SECRET slack_secret_arn
if [[ $LLM_SECRET -eq 1 ]]; then
  tf_output LLM_SECRET_ARN llm_secret_arn
fi
tf_output PAGERDUTY_SECRET pagerduty_secret_arn
tf_output USER_POOL cognito_user_pool_id
tf_output CLIENT_ID cognito_client_id
tf_output LOG_GROUP detector_log_group

section "6/8 Secrets (set outside the Terraform state)"
SLACK_SHOWN='{"signing_secret":"<hidden>","bot_token":"<hidden>"}'
LLM_SHOWN='{"api_key":"<hidden>"}'
PAGERDUTY_SHOWN='{"routing_key":"<hidden>"}'
SECRET_JSON=""
LATER="run '$AGAIN': it asks without echoing (with --yes it reads"
if [[ $DRY_RUN -eq 1 ]]; then
  echo "(a dry run asks for no secret; each command runs when its values are given)"
  put_secret "$SLACK_SECRET" "$SLACK_SHOWN" ""
  if [[ $LLM_SECRET -eq 1 ]]; then
    put_secret "$LLM_SECRET_ARN" "$LLM_SHOWN" ""
  fi
  put_secret "$PAGERDUTY_SECRET" "$PAGERDUTY_SHOWN" ""
else
  if [[ $YES -eq 0 && -t 0 ]]; then
    echo "Paste each value (it is not shown), or press Enter to skip it and set it later."
  fi
  read_secret SIGNING_SECRET MANTISSA_SLACK_SIGNING_SECRET "Slack signing secret, from Basic Information > App Credentials"
  read_secret BOT_TOKEN MANTISSA_SLACK_BOT_TOKEN "Slack bot token, xoxb-... from OAuth & Permissions"
  if [[ -n $SIGNING_SECRET && -n $BOT_TOKEN ]]; then
    json_object SECRET_JSON signing_secret "$SIGNING_SECRET" bot_token "$BOT_TOKEN"
    put_secret "$SLACK_SECRET" "$SLACK_SHOWN" "$SECRET_JSON"
  elif [[ -n $SIGNING_SECRET || -n $BOT_TOKEN ]]; then
    echo "Slack secret not set: it needs both the signing secret and the bot token; $LATER MANTISSA_SLACK_SIGNING_SECRET and MANTISSA_SLACK_BOT_TOKEN)."
  else
    echo "Slack secret not set: once the Slack app exists (next steps), $LATER MANTISSA_SLACK_SIGNING_SECRET and MANTISSA_SLACK_BOT_TOKEN)."
  fi
  if [[ $LLM_SECRET -eq 1 ]]; then
    if [[ $LLM == anthropic ]]; then
      read_secret API_KEY MANTISSA_LLM_API_KEY "Anthropic API key (sk-ant-...)"
    else
      read_secret API_KEY MANTISSA_LLM_API_KEY "OpenAI API key (sk-...)"
    fi
    if [[ -n $API_KEY ]]; then
      json_object SECRET_JSON api_key "$API_KEY"
      put_secret "$LLM_SECRET_ARN" "$LLM_SHOWN" "$SECRET_JSON"
    else
      echo "LLM API key not set: until it is, the bot has no LLM to turn questions into SQL; $LATER MANTISSA_LLM_API_KEY)."
    fi
  fi
  read_secret ROUTING_KEY MANTISSA_PAGERDUTY_ROUTING_KEY "PagerDuty routing key, optional: an Events API v2 integration key"
  if [[ -n $ROUTING_KEY ]]; then
    json_object SECRET_JSON routing_key "$ROUTING_KEY"
    put_secret "$PAGERDUTY_SECRET" "$PAGERDUTY_SHOWN" "$SECRET_JSON"
  else
    echo "PagerDuty routing key not set (optional): to page someone on alerts, $LATER MANTISSA_PAGERDUTY_ROUTING_KEY)."
  fi
fi

section "7/8 Detection rules (read by the detector every cycle)"
sync_rules "$RULES_BUCKET" "$REGION"

section "8/8 Slack app manifest"
# The URLs filled in; the header comment (how to fill them in) left out.
MANIFEST_CMD=(sed -e '/^#/d' -e "s#https://HOST#$(printf '%s' "$API_URL" | sed 's/[\\&#]/\\&/g')#g" manifests/slack-app.yaml)
run_to slack-app-manifest.yaml "${MANIFEST_CMD[@]}"
echo
if [[ $DRY_RUN -eq 1 ]]; then
  "${MANIFEST_CMD[@]}"
else
  cat slack-app-manifest.yaml
fi

if [[ $DRY_RUN -eq 1 ]]; then
  DONE="Dry run done: nothing was run or written. After a real run:"
else
  DONE="Deployed $NAME to $REGION (account $ACCOUNT); its outputs are in terraform-outputs.json."
fi
cat <<EOF

$DONE

Next steps
1. Create the Slack app: https://api.slack.com/apps > Create New App >
   From an app manifest > paste slack-app-manifest.yaml (printed above) >
   Create, then Install to Workspace.
2. Set its secrets: copy the Signing Secret (Basic Information) and the Bot
   User OAuth Token (OAuth & Permissions), then run
     $AGAIN
   which asks for them without echoing; with --yes it reads
   MANTISSA_SLACK_SIGNING_SECRET and MANTISSA_SLACK_BOT_TOKEN instead. Or set
   the secret directly (type the JSON, then Ctrl-D):
     aws secretsmanager put-secret-value --region $REGION --secret-id $SLACK_SECRET --secret-string file:///dev/stdin
     {"signing_secret": "...", "bot_token": "xoxb-..."}
3. Create a user for the API and get a token:
     aws cognito-idp admin-create-user --region $REGION --user-pool-id $USER_POOL --username alice@example.com --user-attributes Name=email,Value=alice@example.com
     aws cognito-idp admin-set-user-password --region $REGION --user-pool-id $USER_POOL --username alice@example.com --permanent --password '...'
     TOKEN=\$(aws cognito-idp initiate-auth --region $REGION --client-id $CLIENT_ID --auth-flow USER_PASSWORD_AUTH --auth-parameters 'USERNAME=alice@example.com,PASSWORD=...' --query AuthenticationResult.IdToken --output text)
4. Ask a question:
     API_ENDPOINT=\$(jq -r '.api_endpoint.value' terraform-outputs.json)   # $API_ENDPOINT
     curl -X POST "\$API_ENDPOINT/query" \\
       -H "Authorization: Bearer \$TOKEN" \\
       -H "Content-Type: application/json" \\
       -d '{"question": "Show me failed login attempts in the last 24 hours", "execute": true}'
5. Add a detection rule: upload a YAML file (see rules/README.md); the
   detector loads it on its next cycle:
     aws s3 cp my-rule.yaml s3://$RULES_BUCKET/rules/custom/my-rule.yaml --region $REGION
   or add it under rules/ and run scripts/update.sh --environment $ENVIRONMENT.
6. Watch the detector:
     aws logs tail $LOG_GROUP --follow --region $REGION
7. Monthly cost: see README: Deploy to AWS.

Update after a pull: scripts/update.sh --environment $ENVIRONMENT
Remove everything: scripts/destroy.sh --environment $ENVIRONMENT
EOF
