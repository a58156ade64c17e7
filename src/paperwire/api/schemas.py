"""OpenAPI documentation of the JSON shapes (responses are built in ``shapes``; the
parameters and error body the feeds share are in ``paperwire.surface``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Author(BaseModel):
    id_: str = Field(alias="_id", description="A stable 24-hex-digit id for this author entry.",
                     examples=["5f0c2b1d9e8a7f6e5d4c3b2a"])
    name: str = Field(examples=["Ada Lovelace"])
    hidden: bool = False


class UserRef(BaseModel):
    """A user, in Hugging Face's shape (``name`` is the handle)."""

    id_: str = Field(alias="_id", examples=["0a1b2c3d4e5f60718293a4b5"])
    name: str = Field(examples=["ada"])
    fullname: str = Field(examples=["Ada Lovelace"])
    type: str = Field(examples=["user"])
    avatarUrl: str = Field(description="Always empty: paperwire keeps no avatars.")


class Version(BaseModel):
    version: str = Field(examples=["v2"])
    createdAt: str = Field(examples=["2026-06-30T17:59:59.000Z"])


class CodeLink(BaseModel):
    kind: str = Field(description="`repo` or `project`.", examples=["repo"])
    host: str = Field(examples=["gitlab.com"])
    url: str = Field(description="Normalized.", examples=["https://gitlab.com/group/project"])
    source: str = Field(description="`authors` (from the abstract or comments) or `reader`"
                        " (proposed by a reader, approved by a moderator).")


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
    submittedOnDailyBy: UserRef | None = Field(description="Who submitted it, if anyone did.")
    discussionId: str = Field(description="A stable id for the paper's comment thread"
                              " (`GET /api/papers/{id}/comments`).")
    ai_keywords: list[str] = Field(description="The paper's key concepts (empty until it is embedded).")
    ai_summary: str | None = Field(
        default=None, description="A one-sentence summary: abstractive where an endpoint is"
        " configured, else the abstract's most representative sentence (absent until made).")
    githubRepo: str | None = Field(default=None, description="The first GitHub repository,"
                                   " a full https URL (absent when the paper links none).")
    githubStars: int | None = Field(default=None, description="Its stars at the last GitHub"
                                    " refresh (absent until fetched, or when it is gone).")
    projectPage: str | None = Field(default=None, description="The first project page.")
    comments: str | None = None
    journalRef: str | None = None
    doi: str | None = None
    license: str | None = None
    versions: list[Version] | None = None
    arxivUrl: str | None = None
    pdfUrl: str | None = None
    links: list[CodeLink] | None = Field(
        default=None, description="Every code and project link the paper page shows,"
        " repositories first (one paper's detail only).")


class DailyPaperItem(BaseModel):
    paper: HFPaper
    publishedAt: str
    title: str
    summary: str
    thumbnail: str = Field(description="Always empty: paperwire makes no thumbnails.")
    ai_summary: str | None = Field(default=None, description="The paper's one-line summary"
                                   " (as in `paper`), if it has one.")
    ai_keywords: list[str] = Field(default_factory=list, description="As in `paper`.")
    githubRepo: str | None = Field(default=None, description="As in `paper`.")
    githubStars: int | None = Field(default=None, description="As in `paper`.")
    projectPage: str | None = Field(default=None, description="As in `paper`.")
    numComments: int
    isAuthorParticipating: bool
    submittedBy: UserRef | None = Field(default=None, description="Who submitted it, if anyone did.")
    trendingScore: float | None = Field(
        default=None, description="With sort=trending: the time-decayed upvote score."
    )
    starsGained: int | None = Field(
        default=None, description="On /api/trending/code: GitHub stars gained in 7 days."
    )


class SearchItem(BaseModel):
    paper: HFPaper
    publishedAt: str
    title: str
    summary: str
    thumbnail: str = Field(description="Always empty: paperwire makes no thumbnails.")
    ai_summary: str | None = Field(default=None, description="The paper's one-line summary"
                                   " (as in `paper`), if it has one.")
    ai_keywords: list[str] = Field(default_factory=list, description="As in `paper`.")
    githubRepo: str | None = Field(default=None, description="As in `paper`.")
    githubStars: int | None = Field(default=None, description="As in `paper`.")
    projectPage: str | None = Field(default=None, description="As in `paper`.")
    numComments: int
    isAuthorParticipating: bool
    submittedBy: UserRef | None = Field(default=None, description="Who submitted it, if anyone did.")
    score: float = Field(description="Relevance; higher is better.")
    matchedTerms: list[str] = Field(description="Query words found in title or abstract.")
    matchKind: str = Field(description="keyword (every word), semantic (close in meaning), "
                           "both, or filter (no words given).")
    similarity: float | None = Field(description="Cosine to the query, when semantic.")
    concepts: list[str] = Field(description="The paper's key concepts.")


class SimilarItem(BaseModel):
    paper: HFPaper
    similarity: float = Field(description="Cosine similarity of the embeddings.")
