"""OpenAPI documentation of the JSON shapes (responses are built in ``shapes``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Author(BaseModel):
    name: str
    hidden: bool = False


class Version(BaseModel):
    version: str = Field(examples=["v2"])
    createdAt: str = Field(examples=["2026-06-30T17:59:59.000Z"])


class HFPaper(BaseModel):
    id: str = Field(examples=["2604.26375"])
    authors: list[Author]
    publishedAt: str = Field(description="First version, ISO 8601 UTC.")
    submittedOnDailyAt: str = Field(description="The day it is listed on.")
    title: str
    summary: str = Field(description="The abstract, as plain text.")
    upvotes: int
    categories: list[str]
    primaryCategory: str | None
    withdrawn: bool
    comments: str | None = None
    journalRef: str | None = None
    doi: str | None = None
    license: str | None = None
    versions: list[Version] | None = None
    arxivUrl: str | None = None
    pdfUrl: str | None = None


class DailyPaperItem(BaseModel):
    paper: HFPaper
    publishedAt: str
    title: str
    summary: str
    numComments: int
    isAuthorParticipating: bool


class SearchItem(BaseModel):
    paper: HFPaper
    numComments: int
    isAuthorParticipating: bool
    score: float = Field(description="Relevance; higher is better.")
    matchedTerms: list[str] = Field(description="Query words found in title or abstract.")


class ErrorBody(BaseModel):
    error: str = Field(examples=["date must look like 2026-01-02, got 'yesterday'"])
    status: int = Field(examples=[400])
