from paperwire.text import (
    decode_tex_accents,
    excerpt,
    plain_abstract,
    plain_title,
    split_authors,
)


def test_tex_accents_are_decoded():
    assert decode_tex_accents("Bal\\'azs") == "Balázs"
    assert decode_tex_accents("Schr\\\"odinger") == "Schrödinger"
    assert decode_tex_accents("Paczy\\'nski") == "Paczyński"
    assert decode_tex_accents("{\\'E}cole") == "École"
    assert decode_tex_accents("Erd\\H{o}s") == "Erdős"
    assert decode_tex_accents("\\v{S}koda") == "Škoda"
    assert decode_tex_accents("Fran\\c{c}ois") == "François"
    assert decode_tex_accents("Gau\\ss") == "Gauß"
    assert decode_tex_accents("{\\o}rsted") == "ørsted"
    assert decode_tex_accents("na\\\"{\\i}ve") == "naïve"


def test_math_is_kept_as_written():
    text = "energy $\\hat{H} \\psi = E \\psi$ of Schr\\\"odinger"
    assert decode_tex_accents(text) == "energy $\\hat{H} \\psi = E \\psi$ of Schrödinger"


def test_title_is_unwrapped():
    assert plain_title("Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies") == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )


def test_hard_wrapped_abstract_becomes_paragraphs():
    raw = "  We show that all W-gravity actions can be\nconstructed easily.\n  A second paragraph\nstarts here.\n"
    assert plain_abstract(raw) == (
        "We show that all W-gravity actions can be constructed easily.\n\n"
        "A second paragraph starts here."
    )


def test_unwrapped_abstract_keeps_its_paragraphs():
    long_line = "word " * 30
    raw = f"{long_line.strip()}\n{long_line.strip()}"
    assert plain_abstract(raw).count("\n\n") == 1


def test_control_characters_are_dropped():
    assert plain_title("A\x00 title\x07 with\x1b junk") == "A title with junk"


def test_authors_split_in_order():
    assert split_authors("Ramesh Narayan, Bohdan Paczy\\'nski, and Tsvi Piran") == [
        "Ramesh Narayan", "Bohdan Paczyński", "Tsvi Piran",
    ]
    assert split_authors("A. Author (MIT), B. Author (CERN) and C. Author") == [
        "A. Author", "B. Author", "C. Author",
    ]


def test_excerpt_cuts_at_a_word():
    text = "alpha beta gamma delta " * 30
    cut = excerpt(text, 50)
    assert cut.endswith("…")
    assert len(cut) <= 51
    assert " " in cut
