"""``template.yaml`` as CloudFormation deploys it, for several ``sam deploy`` parameter sets.

CloudFormation first runs ``AWS::LanguageExtensions`` (resolving the ``Fn::If`` the SAM transform
cannot), then ``AWS::Serverless-2016-10-31``. Here: SAM CLI's implementation of the former
(``samcli.lib.cfn_language_extensions``), then the SAM translator itself, on the real template.
Also: the local server (SAM's own API Gateway emulator) mounts every Api event with no API key check.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockupaws_testkit.template import api_routes, group_of

ROOT = Path(__file__).resolve().parents[2]
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:mockupaws-alarms"
DATABASE = {"DatabaseSecretArn": SECRET_ARN, "DatabaseHost": "db.cluster-abc.eu-west-1.rds.amazonaws.com"}
VPC = {"SubnetIds": "subnet-0aaa,subnet-0bbb", "SecurityGroupIds": "sg-0ccc"}
DATABASE_FUNCTIONS = {
    "ScenariosFunction",
    "IngestFunction",
    "MetricsFunction",
    "AnalysisFunction",
    "AggregateFunction",
    "MigrateFunction",
    "HealthFunction",
}
ALL_FUNCTIONS = DATABASE_FUNCTIONS | {"DocsFunction", "ConsoleFunction"}
# No API key, even when the API requires one (the console sends the key from the browser).
PUBLIC_PATHS = {"/docs", "/openapi.json", "/health", "/", "/console/{proxy+}"}
VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

Deploy = Callable[..., dict[str, Any]]


class _NoManagedPolicyNames:
    """The template names managed policies by ARN only: nothing to look up in IAM."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def raw_template() -> dict[str, Any]:
    from samcli.yamlhelper import yaml_parse

    parsed: dict[str, Any] = yaml_parse((ROOT / "template.yaml").read_text())
    return parsed


@pytest.fixture
def deploy(raw_template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Deploy:
    """The CloudFormation template the two transforms produce for these parameter values."""
    from samcli.lib.cfn_language_extensions.sam_integration import process_template_for_sam_cli
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    def run(**parameters: str) -> dict[str, Any]:
        values = {name: str(p.get("Default", "")) for name, p in raw_template["Parameters"].items()}
        values.update(parameters)
        le_values: dict[str, Any] = {
            name: value.split(",")
            if raw_template["Parameters"][name]["Type"] == "CommaDelimitedList"
            else value
            for name, value in values.items()
        }
        le_values.update(
            {"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::StackName": "mu"}
        )
        expanded = process_template_for_sam_cli(copy.deepcopy(raw_template), parameter_values=le_values)
        expanded["Transform"] = "AWS::Serverless-2016-10-31"  # what is left once the first one has run
        for resource in expanded["Resources"].values():  # as `sam deploy` uploads them
            if resource["Type"] == "AWS::Serverless::Function":
                resource["Properties"]["CodeUri"] = "s3://artifacts/code.zip"
            elif resource["Type"] == "AWS::Serverless::LayerVersion":
                resource["Properties"]["ContentUri"] = "s3://artifacts/layer.zip"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            output: dict[str, Any] = transform(expanded, values, _NoManagedPolicyNames())
        return output

    return run


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def method_security(template: dict[str, Any]) -> dict[tuple[str, str], Any]:
    (api,) = resources_of(template, "AWS::ApiGateway::RestApi").values()
    paths = api["Properties"]["Body"]["paths"]
    return {
        (m.upper(), p): spec.get("security") or []
        for p, methods in paths.items()
        for m, spec in methods.items()
    }


def role_of(template: dict[str, Any], function: str) -> dict[str, Any]:
    role_ref = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    props: dict[str, Any] = template["Resources"][role_ref]["Properties"]
    return props


def test_by_default_every_route_but_the_docs_needs_the_api_key(deploy: Deploy) -> None:
    template = deploy(**DATABASE)
    security = method_security(template)
    assert set(security) == set(api_routes())
    for (method, path), schemes in security.items():
        assert schemes == ([] if path in PUBLIC_PATHS else [{"api_key": []}]), (method, path)
    (api,) = resources_of(template, "AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["Body"]["securityDefinitions"]["api_key"]["name"] == "x-api-key"
    (plan,) = resources_of(template, "AWS::ApiGateway::UsagePlan").values()
    (key,) = resources_of(template, "AWS::ApiGateway::ApiKey")
    assert resources_of(template, "AWS::ApiGateway::UsagePlanKey")
    assert plan["Properties"]["ApiStages"][0]["ApiId"] == {"Ref": "MockupApi"}
    assert template["Outputs"]["ApiKeyId"]["Value"] == {"Ref": key}
    assert "--include-value" in template["Outputs"]["ApiKeyId"]["Description"]
    # and only the stage the API is served from exists (no stray "Stage" stage)
    assert [
        s["Properties"]["StageName"] for s in resources_of(template, "AWS::ApiGateway::Stage").values()
    ] == ["v1"]


def test_api_key_can_be_turned_off(deploy: Deploy) -> None:
    template = deploy(**DATABASE, ApiKeyRequired="false")
    assert all(schemes == [] for schemes in method_security(template).values())
    for kind in ("AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey"):
        assert resources_of(template, kind) == {}
    assert "Ref" not in json.dumps(template["Outputs"]["ApiKeyId"]["Value"])


def test_only_the_database_functions_read_the_secret(deploy: Deploy) -> None:
    template = deploy(**DATABASE)
    policy = template["Resources"]["DatabaseSecretReadPolicy"]
    assert policy["Condition"] == "HasDatabaseSecret"
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]  # no KMS key given
    assert statement["Resource"] == SECRET_ARN
    assert set(statement["Action"]) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    for function in ALL_FUNCTIONS:
        role = role_of(template, function)
        expected = [BASIC_POLICY] + (
            [{"Ref": "DatabaseSecretReadPolicy"}] if function in DATABASE_FUNCTIONS else []
        )
        assert role["ManagedPolicyArns"] == expected, function
        assert not role.get("Policies"), function  # no inline policies at all


def test_a_customer_managed_key_is_usable_through_secrets_manager_only(deploy: Deploy) -> None:
    key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    template = deploy(**DATABASE, DatabaseSecretKmsKeyArn=key_arn)
    statements = template["Resources"]["DatabaseSecretReadPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    (decrypt,) = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert decrypt["Resource"] == key_arn
    via = decrypt["Condition"]["StringEquals"]["kms:ViaService"]
    assert via in ("secretsmanager.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.${AWS::URLSuffix}")


def test_no_vpc_and_no_vpc_permissions_by_default(deploy: Deploy) -> None:
    template = deploy(**DATABASE)
    for function in ALL_FUNCTIONS:
        assert "VpcConfig" not in template["Resources"][function]["Properties"], function
        assert VPC_POLICY not in role_of(template, function)["ManagedPolicyArns"], function


def test_with_subnets_the_database_functions_run_in_the_vpc(deploy: Deploy) -> None:
    template = deploy(**DATABASE, **VPC)
    for function in DATABASE_FUNCTIONS:
        assert template["Resources"][function]["Properties"]["VpcConfig"] == {
            "SubnetIds": ["subnet-0aaa", "subnet-0bbb"],
            "SecurityGroupIds": ["sg-0ccc"],
        }, function
        assert VPC_POLICY in role_of(template, function)["ManagedPolicyArns"], function
    # the docs function needs neither the network nor any permission
    assert "VpcConfig" not in template["Resources"]["DocsFunction"]["Properties"]
    assert role_of(template, "DocsFunction")["ManagedPolicyArns"] == [BASIC_POLICY]


def test_every_function_logs_to_its_own_log_group_with_the_retention(deploy: Deploy) -> None:
    template = deploy(**DATABASE, LogRetentionInDays="90")
    groups = resources_of(template, "AWS::Logs::LogGroup")
    used = []
    for function in ALL_FUNCTIONS:
        (group,) = template["Resources"][function]["Properties"]["LoggingConfig"]["LogGroup"].values()
        assert int(groups[group]["Properties"]["RetentionInDays"]) == 90
        assert groups[group]["Properties"]["LogGroupName"] == f"/aws/lambda/mu/{function}"
        used.append(group)
    assert sorted(used) == sorted(groups)


def test_alarms_on_api_5xx_and_on_each_function_errors_and_throttles(deploy: Deploy) -> None:
    def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {n: r["Properties"] for n, r in resources_of(template, "AWS::CloudWatch::Alarm").items()}

    silent = alarms(deploy(**DATABASE))
    watched = {
        (a["MetricName"], a["Dimensions"][0]["Value"]["Ref"])
        for a in silent.values()
        if a["Namespace"] == "AWS/Lambda"
    }
    assert watched == {(metric, f) for f in ALL_FUNCTIONS for metric in ("Errors", "Throttles")}
    (api_alarm,) = [a for a in silent.values() if a["Namespace"] == "AWS/ApiGateway"]
    assert api_alarm["MetricName"] == "5XXError"
    assert all("AlarmActions" not in a and "OKActions" not in a for a in silent.values())

    notifying = alarms(deploy(**DATABASE, AlarmTopicArn=TOPIC_ARN))
    assert all(a["AlarmActions"] == [TOPIC_ARN] == a["OKActions"] for a in notifying.values())


@pytest.mark.parametrize("language_extensions", [False, True], ids=["make-dev", "sam-local-samconfig"])
def test_the_local_emulator_mounts_every_route_and_checks_no_api_key(language_extensions: bool) -> None:
    """``make dev`` and ``sam local start-api`` route with SAM's ApiProvider: every Api event of the
    template is mounted (API key or not), without an authorizer; SAM's local API Gateway has no API key
    check at all (``samcli.local.apigw`` never reads ``ApiKeyRequired``). ``make dev`` loads the template
    like ``load_stacks``; ``sam local`` with samconfig.toml's ``language_extensions = true`` expands it first.
    """
    from samcli.lib.providers.api_provider import ApiProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    from mockupaws_local.runner import ACCOUNT_ID, load_stacks, quiet_sam_deprecations
    from mockupaws_testkit.template import functions

    if language_extensions:
        with quiet_sam_deprecations():
            stacks, _ = SamLocalStackProvider.get_stacks(
                str(ROOT / "template.yaml"),
                global_parameter_overrides={"AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT_ID},
                language_extensions_enabled=True,
            )
    else:
        stacks = load_stacks(ROOT / "template.yaml")
    with quiet_sam_deprecations():
        api = ApiProvider(stacks, cwd=str(ROOT)).api
    groups = {name: group_of(props) for name, props in functions().items()}
    mounted = {(m, r.path): groups[r.function_name] for r in api.routes for m in r.methods}
    assert mounted == api_routes()
    assert all(r.authorizer_name is None and r.authorizer_object is None for r in api.routes)


def test_errors_api_gateway_answers_itself_keep_the_error_body(deploy: Deploy) -> None:
    # Given the deployed API / Then its gateway responses (unknown route, bad key, throttling...) answer
    # with the service's error body and a matching status
    (api,) = resources_of(deploy(), "AWS::ApiGateway::RestApi").values()
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "INVALID_API_KEY", "THROTTLED", "DEFAULT_5XX"} <= set(responses)
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    for response in responses.values():
        body = json.loads(response["responseTemplates"]["application/json"])
        assert set(body) == {"error", "message", "status_code"}
        assert str(body["status_code"]) == str(response["statusCode"])
