# shellcheck shell=bash
# Helpers shared by scripts/deploy.sh, update.sh and destroy.sh; sourced
# (from the repository root), not run. The sourcing script sets DRY_RUN=1
# for --dry-run.

DRY_RUN=0
# How the user resumes after a failed step (the sourcing script sets it).
RERUN="re-run $0"
# The Terraform stack, run from the repository root.
TF=(terraform -chdir=terraform)
LAMBDA_FUNCTIONS=(bot worker detector router ingest)
# Arguments safe to print unquoted (<…> are the dry run's placeholders).
SAFE_WORD='^[A-Za-z0-9_./:=@,+%<>-]+$'

die() {
  echo "error: $*" >&2
  exit 1
}

# A wrong command line: exit 2, as for an unknown flag.
usage_error() {
  echo "error: $*" >&2
  exit 2
}

# --help: the script's header comment (its leading comment block).
print_help() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

# The value of a flag that takes one: "$2" unless missing.
flag_value() {
  if [[ $# -lt 2 || $2 == -* ]]; then
    usage_error "$1 needs a value (try --help)"
  fi
  printf '%s' "$2"
}

# The words of a command as one would type them (quoted when needed).
quote_cmd() {
  local out="" a
  for a in "$@"; do
    if [[ ! $a =~ $SAFE_WORD ]]; then
      a="'${a//\'/\'\\\'\'}'"
    fi
    out+="${out:+ }$a"
  done
  printf '%s' "$out"
}

# Prints "+ <command>".
show() {
  printf '+ %s\n' "$(quote_cmd "$@")"
}

# Stops after a failed command, naming it and how to carry on.
failed() {
  local rc=$1
  shift
  die "$(quote_cmd "$@") failed (exit $rc): fix what it reports above, then $RERUN (it is safe to re-run)"
}

# Prints a command, then runs it unless --dry-run.
run() {
  show "$@"
  if [[ $DRY_RUN -eq 0 ]]; then
    "$@" || failed $? "$@"
  fi
}

# run_to FILE COMMAND...: runs COMMAND with its output into FILE (replaced
# only when the command succeeds).
run_to() {
  local file=$1
  shift
  printf '+ %s > %s\n' "$(quote_cmd "$@")" "$file"
  if [[ $DRY_RUN -eq 0 ]]; then
    "$@" >"$file.tmp" || {
      local rc=$?
      rm -f "$file.tmp"
      failed "$rc" "$@"
    }
    mv "$file.tmp" "$file"
  fi
}

# tf_output VAR NAME: sets VAR to the stack's output NAME (`<NAME>` in a
# dry run).
tf_output() {
  local var=$1 name=$2 value
  show "${TF[@]}" output -raw "$name"
  if [[ $DRY_RUN -eq 1 ]]; then
    value="<$name>"
  elif ! value=$("${TF[@]}" output -raw "$name"); then
    die "the stack has no output '$name': update this checkout (git pull), then $RERUN"
  elif [[ -z $value ]]; then
    die "the stack's output '$name' is empty: $RERUN; if it stays empty, the Terraform stack (terraform/outputs.tf) is incomplete"
  fi
  printf -v "$var" '%s' "$value"
}

section() {
  printf '\n== %s\n' "$*"
}

# How to install a prerequisite.
install_hint() {
  case $1 in
    terraform) echo "install Terraform 1.6 or newer: https://developer.hashicorp.com/terraform/install" ;;
    aws) echo "install AWS CLI version 2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" ;;
    cargo) echo "install Rust with rustup: https://rustup.rs" ;;
    zip) echo "install zip (apt-get install zip, dnf install zip, or brew install zip)" ;;
    *) echo "install $1" ;;
  esac
}

# check_tools TOOL...: each tool is on PATH (terraform >= 1.6, aws CLI v2);
# stops naming how to install each missing one (only warns in a dry run).
check_tools() {
  local problems=() t v major minor list=""
  for t in "$@"; do
    case $t in
      terraform) list+="${list:+, }terraform (1.6 or newer)" ;;
      aws) list+="${list:+, }aws (CLI version 2)" ;;
      *) list+="${list:+, }$t" ;;
    esac
  done
  echo "Checking the tools: $list"
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1; then
      problems+=("$t is not on PATH: $(install_hint "$t")")
      continue
    fi
    case $t in
      terraform)
        v=$(CHECKPOINT_DISABLE=1 terraform version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p')
        IFS=. read -r major minor _ <<<"${v:-0.0.0}"
        if ! [[ $major -gt 1 || ($major -eq 1 && $minor -ge 6) ]]; then
          problems+=("terraform is version ${v:-unknown}, 1.6 or newer is needed: $(install_hint terraform)")
        fi
        ;;
      aws)
        v=$(aws --version 2>&1 | head -n 1)
        if [[ $v != aws-cli/2.* ]]; then
          problems+=("aws is ${v%% *}, version 2 is needed (it reads --secret-string file:///dev/stdin and has 'aws logs tail'): $(install_hint aws)")
        fi
        ;;
    esac
  done
  if [[ ${#problems[@]} -gt 0 ]]; then
    for t in "${problems[@]}"; do
      if [[ $DRY_RUN -eq 1 ]]; then
        echo "warning: $t (ignored in a dry run)" >&2
      else
        echo "error: $t" >&2
      fi
    done
    if [[ $DRY_RUN -eq 0 ]]; then
      exit 1
    fi
  fi
}

# aws_account VAR REGION: sets VAR to the AWS account of the credentials in
# use, checking they work (`<account-id>` in a dry run).
aws_account() {
  local var=$1 region=$2 account
  show aws sts get-caller-identity --output text --query Account --region "$region"
  if [[ $DRY_RUN -eq 1 ]]; then
    account="<account-id>"
  elif ! account=$(aws sts get-caller-identity --output text --query Account --region "$region"); then
    die "no working AWS credentials: run 'aws configure' (access keys) or 'aws sso login' (IAM Identity Center), or set AWS_PROFILE, then $RERUN"
  fi
  echo "AWS account: $account"
  printf -v "$var" '%s' "$account"
}

# The absolute path of the Lambda zips scripts/build-lambdas.sh writes.
lambda_dist() {
  local dir=${CARGO_TARGET_DIR:-target}/lambda
  if [[ $dir != /* ]]; then
    dir=$PWD/${dir#./}
  fi
  printf '%s' "$dir"
}

# build SKIP: builds the Lambda zips, or with SKIP=1 checks they are there.
build_lambdas() {
  local skip=$1 dist f
  dist=$(lambda_dist)
  if [[ $skip -eq 0 ]]; then
    run scripts/build-lambdas.sh
    return
  fi
  echo "Skipping the build (--skip-build): using the zips in $dist"
  if [[ $DRY_RUN -eq 0 ]]; then
    for f in "${LAMBDA_FUNCTIONS[@]}"; do
      [[ -f $dist/$f.zip ]] || die "$dist/$f.zip is missing: build it with scripts/build-lambdas.sh (or drop --skip-build)"
    done
  fi
}

# The variables file of an environment, relative to terraform/.
var_file() {
  printf 'environments/%s.tfvars.json' "$1"
}

# tfvars_value FILE KEY: a string value of the variables file deploy.sh wrote.
tfvars_value() {
  sed -n 's/^ *"'"$2"'": *"\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# sync_rules BUCKET REGION: uploads rules/**/*.yaml|yml to the bucket the
# detector reads every cycle.
sync_rules() {
  run aws s3 sync rules/ "s3://$1/rules/" --exclude '*' --include '*.yaml' --include '*.yml' --region "$2"
}

# valid_environment NAME: a usable environment name, or what is expected.
valid_environment() {
  if [[ $1 =~ ^[a-z0-9][a-z0-9-]*[a-z0-9]$ && ${#1} -le 20 ]]; then
    printf '%s' "$1"
  else
    printf "2-20 lower-case letters, digits and '-' (not first or last), e.g. dev, staging or prod"
    return 1
  fi
}

# The check after the environment is known: its variables file is there.
require_var_file() {
  local env=$1 file
  file=terraform/$(var_file "$env")
  if [[ ! -f $file ]]; then
    if [[ $DRY_RUN -eq 1 ]]; then
      echo "warning: $file does not exist: environment '$env' was not deployed from this checkout (run scripts/deploy.sh --environment $env first); a dry run goes on" >&2
      return 1
    fi
    die "$file does not exist: environment '$env' was not deployed from this checkout; run scripts/deploy.sh --environment $env first (or pass the --environment you deployed)"
  fi
}
