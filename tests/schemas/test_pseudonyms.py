"""Contract §3: the pseudonym scheme is fixed, so these vectors must never change (docs/data-dictionary.md repeats them)."""

import base64
import hashlib
import hmac

import pytest

from schemas.pseudonyms import Pseudonymizer, PseudonymKeyError, canonical_agent_id, canonical_from_value, parse_master_key

KEY = bytes(range(32))  # 000102...1f, a test key only

VECTORS = [
    ({"mbox": "mailto:Marie.Dupont@Example.org"}, "mbox:marie.dupont@example.org", "94d5617a4f2b2c79004bc05a8aba48ee"),
    ({"mbox_sha1sum": "ABCDEF0123456789ABCDEF0123456789ABCDEF01"},
     "mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01", "69c677cf41edf27416c9179c4ef704dc"),
    ({"openid": "https://openid.example.org/marie"}, "openid:https://openid.example.org/marie",
     "0bcfa3ec524a6fae5419850f94d40105"),
    ({"account": {"homePage": "https://lms.fun-mooc.fr/", "name": "marie.dupont42"}},
     "account:https://lms.fun-mooc.fr|marie.dupont42", "580e36baad5f606f593d307873db4b61"),
]


@pytest.mark.parametrize(("agent", "canonical", "pid"), VECTORS)
def test_learner_vectors(agent, canonical, pid):
    assert canonical_agent_id(agent) == canonical
    assert Pseudonymizer(KEY).agent_pid(agent) == pid


def test_vectors_follow_the_published_formula():
    """An independent implementation of contract §3 gives the same pseudonyms."""
    sub_key = hmac.new(KEY, b"lola/learner/v1", hashlib.sha256).digest()
    for _, canonical, pid in VECTORS:
        assert hmac.new(sub_key, canonical.encode(), hashlib.sha256).hexdigest()[:32] == pid


def test_school_and_statement_vectors():
    pz = Pseudonymizer(KEY)
    assert pz.school_pid(" fr-0751234a ") == "eb323891bc6cdde2f18489396e370fb3"
    assert pz.statement_pid("F7C8B743-F18F-5016-8455-35FF8A2F8020") == "31158e78-d6bb-d557-cf49-4d71e1274606"


def test_erasure_tombstone_vector():
    """`lola erase` keeps HMAC-SHA256(K_erasure, learner_pid), K_erasure = HMAC-SHA256(key, "lola/erasure/v1")."""
    assert Pseudonymizer(KEY).tombstone("580e36baad5f606f593d307873db4b61") == "78588d44654a2c6f8d1a4c5738ac48cd"
    sub_key = hmac.new(KEY, b"lola/erasure/v1", hashlib.sha256).digest()
    assert hmac.new(sub_key, b"580e36baad5f606f593d307873db4b61", hashlib.sha256).hexdigest()[:32] == \
        "78588d44654a2c6f8d1a4c5738ac48cd"


def test_anonymous_visitors_and_agents_without_identifier_get_no_pseudonym():
    pz = Pseudonymizer(KEY, anonymous_home_pages=["https://handbook.example.org/anonymous/"])
    assert pz.agent_pid({"account": {"homePage": "https://handbook.example.org/anonymous", "name": "v1"}}) is None
    assert pz.agent_pid({"name": "Someone"}) is None
    assert pz.agent_pid({"objectType": "Group", "member": [{"mbox": "mailto:a@b.org"}]}) is None
    assert pz.agent_pid({"account": {"homePage": "https://lms.fun-mooc.fr", "name": "v1"}}) is not None


def test_key_differs_means_pseudonyms_differ():
    agent = VECTORS[0][0]
    assert Pseudonymizer(KEY).agent_pid(agent) != Pseudonymizer(bytes(32)).agent_pid(agent)


def test_csv_values_are_canonicalized_like_statements():
    assert canonical_from_value("mailto:Marie.Dupont@Example.org") == VECTORS[0][1]
    assert canonical_from_value("https://lms.fun-mooc.fr/|marie.dupont42") == VECTORS[3][1]
    with pytest.raises(ValueError):
        canonical_from_value("marie")


def test_master_key_hex_and_base64():
    assert parse_master_key(KEY.hex()) == KEY
    assert parse_master_key(base64.b64encode(KEY).decode()) == KEY


@pytest.mark.parametrize("text", [None, "", "ab" * 31, base64.b64encode(bytes(31)).decode(), "not a key!"])
def test_master_key_errors_are_clear_and_never_echo_the_key(text):
    with pytest.raises(PseudonymKeyError) as info:
        parse_master_key(text)
    assert "LOLA_PSEUDONYM_KEY" in str(info.value)
    if text:
        assert text not in str(info.value)
