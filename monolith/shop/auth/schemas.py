"""Request and response bodies of the auth routes."""

from __future__ import annotations

from chassis.clock import rfc3339
from chassis.validation import PlainText
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shop.auth.domain import AccessToken, Role, User, is_valid_email, normalise_email


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: PlainText
    password: PlainText = Field(min_length=8, max_length=128)
    name: PlainText = Field(min_length=1, max_length=100)

    @field_validator("email")
    @classmethod
    def email_is_an_address(cls, value: str) -> str:
        email = normalise_email(value)
        if not is_valid_email(email):
            raise ValueError("not a valid email address")
        return email


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: PlainText
    password: PlainText


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    created_at: str

    @classmethod
    def from_domain(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, name=user.name, role=user.role,
                   created_at=rfc3339(user.created_at))


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int

    @classmethod
    def from_domain(cls, token: AccessToken) -> TokenOut:
        return cls(access_token=token.access_token, token_type=token.token_type,
                   expires_in=token.expires_in)
