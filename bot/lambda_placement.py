"""Whether this process is a deployed Lambda function: the local identities (`dev:` tokens, Lex's `requester_id`)
are refused there whatever ASKIAM_ENV says, so a misconfigured variable cannot open a deployed function."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings


class LambdaPlacement(BaseSettings):
    # Set by the Lambda runtime and by `sam local` (which also sets AWS_SAM_LOCAL).
    lambda_function_name: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_LAMBDA_FUNCTION_NAME"),
    )
    sam_local: bool = Field(default=False, validation_alias=AliasChoices("AWS_SAM_LOCAL"))

    @property
    def in_deployed_lambda(self) -> bool:
        return bool(self.lambda_function_name) and not self.sam_local
