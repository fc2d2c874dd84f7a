import pytest
from hypothesis import given
from hypothesis import strategies as st

from ovoz.concerns.receipts import ALPHABET, receipt_generate, receipt_hash, receipt_normalise

CODE = st.text(alphabet=ALPHABET, min_size=16, max_size=16)


def test_a_receipt_is_four_groups_of_four_crockford_characters():
    receipt = receipt_generate()
    groups = receipt.split("-")
    assert [len(group) for group in groups] == [4, 4, 4, 4]
    assert all(character in ALPHABET for character in "".join(groups))


def test_receipts_do_not_repeat():
    assert len({receipt_generate() for _ in range(2000)}) == 2000


@given(CODE, st.sampled_from(["", "-", " ", "  "]), st.booleans())
def test_any_spelling_of_a_receipt_reads_the_same(code, separator, lower):
    typed = separator.join(code[i : i + 4] for i in range(0, 16, 4))
    typed = typed.lower() if lower else typed
    assert receipt_normalise(typed) == code


@given(CODE)
def test_letters_crockford_reads_as_digits_are_accepted(code):
    confusable = code.replace("1", "I").replace("0", "O")
    assert receipt_normalise(confusable) == code


@given(st.text(max_size=30))
def test_anything_else_is_refused_not_crashed_on(text):
    normalised = receipt_normalise(text)
    assert normalised is None or (len(normalised) == 16 and set(normalised) <= set(ALPHABET))


@pytest.mark.parametrize("bad", ["", "KD7Q-3M9X-TR4B", "KD7Q-3M9X-TR4B-8HNVX", "KD7Q-3M9X-TR4B-8HNU", "ÄÖÜ"])
def test_malformed_receipts_have_no_hash(bad):
    assert receipt_hash(bad) is None


def test_the_hash_is_keyed_and_spelling_independent():
    receipt = receipt_generate()
    assert receipt_hash(receipt) == receipt_hash(receipt.lower().replace("-", ""))
    assert receipt.replace("-", "") not in (receipt_hash(receipt) or "")
