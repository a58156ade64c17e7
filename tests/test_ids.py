import pytest

from paperwire.errors import InvalidArxivId
from paperwire.ids import parse_arxiv_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.01234", ("2401.01234", None)),
        ("2401.01234v2", ("2401.01234", 2)),
        ("0704.0001", ("0704.0001", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v3", ("hep-th/9901001", 3)),
        ("math.AG/0101001", ("math.AG/0101001", None)),
        ("https://arxiv.org/abs/2401.01234v1", ("2401.01234", 1)),
        ("http://arxiv.org/pdf/2401.01234v2.pdf", ("2401.01234", 2)),
        ("https://export.arxiv.org/abs/hep-th/9901001", ("hep-th/9901001", None)),
        ("arXiv:2401.01234", ("2401.01234", None)),
        ("oai:arXiv.org:cs/0212040", ("cs/0212040", None)),
        ("  2401.01234  ", ("2401.01234", None)),
    ],
)
def test_accepts_ids_versions_and_urls(raw, expected):
    assert parse_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "2401.123", "24010.1234", "hello", "hep-th/99", "https://example.com/abs/2401.01234",
            "2401.01234v", "../2401.01234", "2401.01234; DROP TABLE papers"],
)
def test_rejects_what_is_not_an_id(raw):
    with pytest.raises(InvalidArxivId, match="not an arXiv id"):
        parse_arxiv_id(raw)
