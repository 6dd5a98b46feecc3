"""Prints the CloudFormation that the AWS SAM translator makes of a template, as JSON.

Usage: sam_transform.py TEMPLATE [PARAMETERS_JSON]. The template is first treated as
`aws cloudformation package` leaves it (local CodeUri folders become S3 objects), since that is what
the service transforms. No AWS call is made: SAM's managed-policy lookup answers from an empty map,
which the template does not need (its policies are inline statements).
"""
import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    def load(self):
        return {}


with open(sys.argv[1], encoding="utf-8") as source:
    template = yaml_parse(source.read())
for name, resource in template.get("Resources", {}).items():
    if resource.get("Type") == "AWS::Serverless::Function" and not str(resource["Properties"].get("CodeUri", "")).startswith("s3://"):
        resource["Properties"]["CodeUri"] = f"s3://packaged-artifacts/{name}.zip"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
parameters = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
print(json.dumps(transform(template, parameters, NoManagedPolicies())))
