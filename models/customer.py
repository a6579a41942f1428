"""What the customer's own page keeps: the one-time codes sent (a keyed digest, never the code), every attempt
to open or act on the page (the audit the bank reads when a customer says "someone else looked"), and the
images a customer sent with the information asked for (sealed like every column of personal data)."""
from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class CustomerCode(SQLModel, table=True):
    __tablename__ = "customer_code"

    id: str = Field(primary_key=True)
    complaint_id: str = Field(index=True)
    digest: str                            # complaints.links.code_digest of the code
    sent_at: datetime = Field(index=True)
    expires_at: datetime
    tries: int = 0                         # wrong codes typed against it; at the limit it opens nothing
    used_at: datetime | None = None


class CustomerAccess(SQLModel, table=True):
    """One row per attempt on the page: open, code sent, code checked, each form; the address is a keyed
    hash (the same address hashes alike, so it can be rate-limited; read alone, it names nobody)."""
    __tablename__ = "customer_access"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str | None = Field(default=None, index=True)
    at: datetime = Field(index=True)
    action: str                            # open, code, verify, page, info, feedback, withdraw, review, revoke
    outcome: str                           # ok, or the refusal's code
    address_tag: str = Field(default="", index=True)


class CustomerUpload(SQLModel, table=True):
    """An image sent with the information asked for. Its key is the form's own key and the image's place in
    it: a form sent again after a lost answer stores nothing twice."""
    __tablename__ = "customer_upload"
    __table_args__ = (UniqueConstraint("complaint_id", "form_key", "place", name="uq_upload_form_place"),)

    id: str = Field(primary_key=True)
    complaint_id: str = Field(index=True)
    form_key: str
    place: int
    media_type: str
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # sealed (complaints.fields)
    received_at: datetime
