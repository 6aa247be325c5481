"""AWS Lambda connector: invoke functions synchronously or as events, with JSON payloads."""

from workbench.connectors.aws_lambda.config import LambdaConfig
from workbench.connectors.aws_lambda.connector import AwsLambda, LambdaFunctionError

__all__ = ["AwsLambda", "LambdaConfig", "LambdaFunctionError"]
