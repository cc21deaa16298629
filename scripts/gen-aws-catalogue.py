#!/usr/bin/env python3
"""Regenerates core/src/nl/aws_catalogue.tsv: every AWS service and API operation
that can appear in CloudTrail (event source, event name), with the names people
use for the service, from the AWS SDK service models that botocore ships.

    python3 scripts/gen-aws-catalogue.py            # downloads botocore from PyPI (pip)
    python3 scripts/gen-aws-catalogue.py WHEEL_OR_DIR   # a botocore wheel or an unpacked tree

botocore is Apache-2.0 (Copyright Amazon.com, Inc. or its affiliates); the
table is a derived work and carries the notice in its header and in
core/src/nl/AWS-CATALOGUE-NOTICE.

Output, one line per service model (tab-separated):

    event source    aliases (|-separated, lower case)    operations (space-separated)

An operation marked with a trailing `@` is recorded by CloudTrail with the API
version of its URL appended (Lambda's `UpdateFunctionCode20150331v2`,
CloudFront's dated names).
"""

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

OUT = os.path.join(os.path.dirname(__file__), "..", "core", "src", "nl", "aws_catalogue.tsv")

# Event sources CloudTrail records that differ from the model's signing name
# (or endpoint prefix when there is none).
EVENT_SOURCE = {
    "sso": "sso.amazonaws.com",  # the portal model signs as awsssoportal
    "bedrock-runtime": "bedrock.amazonaws.com",
    "bedrock-agent-runtime": "bedrock.amazonaws.com",
    "bedrock-agent": "bedrock.amazonaws.com",
    "s3control": "s3.amazonaws.com",
    "cloudwatch": "monitoring.amazonaws.com",
    "sesv2": "ses.amazonaws.com",
    "ses": "ses.amazonaws.com",
}

# Services whose CloudTrail event names carry the API version of the URL.
VERSIONED = {"lambda", "cloudfront"}

# Names people use that the models do not spell out.
EXTRA_ALIASES = {
    "ec2": ["ec2", "compute", "ebs", "ami", "amis", "elastic block store"],
    "s3": ["s3"],
    "iam": ["iam", "identity and access management"],
    "sts": ["sts", "security token service"],
    "kms": ["kms", "key management service"],
    "rds": ["rds", "database", "relational database", "aurora"],
    "ssm": ["ssm", "systems manager", "parameter store", "session manager"],
    "secretsmanager": ["secrets manager", "secretsmanager"],
    "route53": ["route 53", "route53", "dns"],
    "cognito-idp": ["cognito", "cognito user pool", "user pool"],
    "cloudtrail": ["cloudtrail", "cloud trail"],
    "guardduty": ["guardduty", "guard duty"],
    "logs": ["cloudwatch logs", "log group"],
    "cloudwatch": ["cloudwatch", "cloud watch"],
    "elbv2": ["load balancer", "elb", "alb", "nlb"],
    "elb": ["load balancer", "elb", "classic load balancer"],
    "lambda": ["lambda"],
    "dynamodb": ["dynamodb", "dynamo db", "dynamo"],
    "organizations": ["organizations", "organization", "aws organizations"],
    "ec2-instance-connect": ["ec2 instance connect", "instance connect"],
    "rolesanywhere": ["roles anywhere", "iam roles anywhere"],
    "bedrock-runtime": ["bedrock"],
    "bedrock": ["bedrock"],
    "wafv2": ["waf", "web acl"],
    "ecr": ["ecr", "container registry"],
    "sns": ["sns"],
    "sqs": ["sqs"],
    "cloudfront": ["cloudfront", "cloud front", "cdn"],
    "apigateway": ["api gateway"],
    "sesv2": ["ses", "simple email service", "email service"],
    "ses": ["ses", "simple email service", "email", "email service"],
    "macie2": ["macie"],
    "securityhub": ["security hub"],
    "config": ["config", "aws config"],
    "codebuild": ["codebuild", "code build"],
    "athena": ["athena"],
    "glue": ["glue"],
    "eks": ["eks", "kubernetes"],
    "ecs": ["ecs"],
    "efs": ["efs"],
    "backup": ["aws backup"],
    "acm": ["acm", "certificate manager"],
    "route53resolver": ["route 53 resolver", "route53 resolver", "resolver", "dns firewall"],
}


# CloudTrail records some S3 operations under names other than the API's.
CLOUDTRAIL_NAMES = {
    "s3": {
        "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "DeleteBucketPublicAccessBlock",
        # CloudTrail keeps the older names of the lifecycle and notification
        # configuration calls (Amazon S3 User Guide, "Amazon S3 CloudTrail events").
        "PutBucketLifecycleConfiguration": "PutBucketLifecycle",
        "GetBucketLifecycleConfiguration": "GetBucketLifecycle",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
    },
    "s3control": {
        "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
        "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
        "DeletePublicAccessBlock": "DeleteAccountPublicAccessBlock",
    },
}

# Events CloudTrail records that no SDK model describes: console sign-in, the
# Session Manager and Run Command agents' channels, the access portal.
# (AWS CloudTrail User Guide, "CloudTrail record contents for sign-in events";
# Systems Manager and IAM Identity Center "Logging ... with AWS CloudTrail".)
CLOUDTRAIL_ONLY = [
    ("signin.amazonaws.com", ["sign in", "signin", "console sign in", "aws sign in"],
     ["ConsoleLogin", "CheckMfa", "SwitchRole", "ExitRole", "RenewRole", "GetSigninToken",
      "ExternalIdPDirectoryLogin", "CredentialChallenge", "CredentialVerification",
      "PasswordUpdated", "UserAuthentication", "ConsoleLogout"]),
    ("ssmmessages.amazonaws.com", ["ssm messages", "ssmmessages"],
     ["CreateControlChannel", "OpenControlChannel", "CreateDataChannel", "OpenDataChannel"]),
    ("ec2messages.amazonaws.com", ["ec2 messages", "ec2messages", "ssm agent"],
     ["GetMessages", "AcknowledgeMessage", "SendReply", "GetEndpoint", "DeleteMessage",
      "FailMessage", "SendHeartbeat"]),
    ("sso.amazonaws.com", ["single sign-on", "sso", "identity center", "access portal"],
     ["Authenticate", "Federate", "ListApplications", "ListProfilesForApplication"]),
    ("s3.amazonaws.com", ["s3"], ["ListAllMyBuckets", "ListBucket"]),
    # The Billing console's account settings page (seen in the shared Stratus
    # detonation logs; no SDK model has it).
    ("billingconsole.amazonaws.com", ["billing console"], ["SetContactAddress"]),
    # Further names CloudTrail records that the SDK models lack, as seen in the
    # shared datasets: the SSM agent's calls, the Bedrock console's model
    # access, Organizations' account-creation result, and the older S3 public
    # access block names.
    ("ssm.amazonaws.com", ["ssm agent"], ["UpdateInstanceInformation", "RegisterManagedInstance"]),
    ("bedrock.amazonaws.com", ["bedrock console"],
     ["PutFoundationModelEntitlement", "PutUseCaseForModelAccess", "CreateFoundationModelAgreement"]),
    ("organizations.amazonaws.com", ["organizations"], ["CreateAccountResult"]),
    ("cloudtrail.amazonaws.com", ["cloudtrail console"], ["DescribeTrail"]),
    ("s3.amazonaws.com", ["s3"], ["PutPublicAccessBlock", "DeletePublicAccessBlock", "GetPublicAccessBlock"]),
]


def words_of(name):
    name = re.sub(r"\(.*?\)", " ", name)
    name = re.sub(r"^(Amazon|AWS)\s+", "", name.strip())
    return re.sub(r"\s+", " ", name).strip().lower()


def load_models(root):
    """Yields (service dir, model) for the newest API version of each service."""
    data = os.path.join(root, "botocore", "data")
    for service in sorted(os.listdir(data)):
        d = os.path.join(data, service)
        if not os.path.isdir(d):
            continue
        versions = sorted(v for v in os.listdir(d) if os.path.isdir(os.path.join(d, v)))
        if not versions:
            continue
        path = os.path.join(d, versions[-1], "service-2.json")
        if os.path.exists(path + ".gz"):
            with gzip.open(path + ".gz") as f:
                model = json.load(f)
        elif os.path.exists(path):
            with open(path) as f:
                model = json.load(f)
        else:
            continue
        yield service, model


def unpack(source, tmp):
    if source and os.path.isdir(source):
        return source, "unknown"
    if not source:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "botocore"],
            check=True,
        )
        source = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
    version = re.search(r"botocore-([0-9.]+)", os.path.basename(source))
    with zipfile.ZipFile(source) as z:
        z.extractall(tmp, [n for n in z.namelist() if n.startswith("botocore/data/")])
    return tmp, version.group(1) if version else "unknown"


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and not os.path.exists(sys.argv[1])):
        sys.exit(
            f"error: {sys.argv[1] if len(sys.argv) == 2 else 'too many arguments'}: "
            "pass a botocore wheel (.whl) or an unpacked botocore tree, "
            "or nothing to download botocore from PyPI"
        )
    with tempfile.TemporaryDirectory() as tmp:
        root, version = unpack(sys.argv[1] if len(sys.argv) > 1 else None, tmp)
        lines = []
        for service, model in load_models(root):
            m = model["metadata"]
            prefix = m.get("signingName") or m.get("endpointPrefix") or service
            source = EVENT_SOURCE.get(service, f"{prefix}.amazonaws.com")
            aliases = {service.replace("-", " "), words_of(m.get("serviceId", ""))}
            for key in ("serviceFullName", "serviceAbbreviation"):
                if m.get(key):
                    aliases.add(words_of(m[key]))
                    for abbr in re.findall(r"\(([A-Za-z0-9 ]+)\)", m[key]):
                        aliases.add(abbr.lower())
            aliases.update(EXTRA_ALIASES.get(service, []))
            aliases = sorted(a for a in aliases if a)
            ops = []
            for name, op in sorted(model["operations"].items()):
                uri = op.get("http", {}).get("requestUri", "")
                dated = service in VERSIONED and re.match(r"^/\d{4}-\d{2}-\d{2}/", uri)
                name = CLOUDTRAIL_NAMES.get(service, {}).get(name, name)
                ops.append(name + ("@" if dated else ""))
            lines.append(f"{source}\t{'|'.join(aliases)}\t{' '.join(sorted(set(ops)))}")
        for source, aliases, names in CLOUDTRAIL_ONLY:
            lines.append(f"{source}\t{'|'.join(sorted(aliases))}\t{' '.join(sorted(names))}")
    header = (
        f"# Generated by scripts/gen-aws-catalogue.py from botocore {version} service models.\n"
        "# botocore: Copyright Amazon.com, Inc. or its affiliates; Apache License 2.0\n"
        "# (see core/src/nl/AWS-CATALOGUE-NOTICE). Do not edit: regenerate.\n"
    )
    with io.open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        f.write("\n".join(lines))
        f.write("\n")
    ops = sum(len(l.split("\t")[2].split()) for l in lines)
    print(f"{OUT}: {len(lines)} services, {ops} operations (botocore {version})")


if __name__ == "__main__":
    main()
