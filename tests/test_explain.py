"""The reasons under a For-you pick (``recommend/explain.py``): each names something
the reader can check, and none repeats another."""

from collections import Counter

from paperwire.recommend import explain
from paperwire.search.text_index import TextIndex

TERMS = (("distil", 0.9), ("teacher", 0.7), ("student", 0.6), ("imagenet", 0.4),
         ("graph", 0.3))
TEXT = ("Distilling Vision Transformers: a compact student learns from its teacher. "
        "We distill on ImageNet and report gains.")


def test_shared_words_are_the_readers_terms_as_the_pick_writes_them():
    words = explain.shared_words(TERMS, TEXT, TextIndex.index_terms)
    assert words == ["distilling", "teacher", "student", "ImageNet"]  # heaviest first
    assert "graph" not in words  # the reader's term, absent from the pick


def test_acronyms_and_names_keep_their_capitals():
    words = explain.shared_words((("gan", 1.0),), "GANs and a GAN for faces",
                                 TextIndex.index_terms)
    assert words == ["GANs"]  # as first written


def test_words_a_shared_concept_already_names_are_left_out():
    reasons = explain.because(
        closest_title=None, closest_cosine=0.0, concepts=["knowledge distillation"],
        reader=Counter({"knowledge distillation": 2}), followed=[], trending_in=None,
        words=["distillation", "teacher", "know", "student", "imagenet"])
    assert reasons == ["shares knowledge distillation with your papers",  # word by word:
                       "uses your papers' words: teacher, know, student"]  # "know" is new


def test_no_words_no_reason():
    reasons = explain.because(closest_title="A", closest_cosine=0.9, concepts=[],
                              reader=Counter(), followed=[], trending_in=None)
    assert reasons == ["close to “A” in your papers"]
