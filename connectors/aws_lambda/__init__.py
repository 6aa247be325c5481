"""AWS Lambda connector: invoke functions synchronously or as events, with JSON payloads."""

from connectors.aws_lambda.config import LambdaConfig
from connectors.aws_lambda.connector import AwsLambda, LambdaFunctionError

__all__ = ["AwsLambda", "LambdaConfig", "LambdaFunctionError"]
