"""The menu tree is data, and its bulletin labels are the bulletin's words."""

from __future__ import annotations

from core.handset import DEFAULT_ADMIN_PASSWORD, NODES
from core.handset.menu import (
    CA_CHOICES,
    MESSAGES,
    SOFTKEYS,
    SOURCES,
    RehearsalChoices,
    facts,
    path_to,
)

# The bulletin's procedure, "Downloading CA Certificates to Phones", as written.
BULLETIN_STEPS = """
1. Select Settings>Advanced.
2. Enter the Administrator's password. The default password is 456.
3. Select Administration Settings>TLS Security>Custom CA Certificates.
4. Select Install Custom CA Certs>Configure CA Cert...
5. Enter the URL for the certificate and press the Enter soft key.
6. Select Configure TLS Profiles, select the profile you installed the certificate into.
7. Select CA Certificate then select All Certificates, and then press the End key.
"""


def test_bulletin_nodes_use_the_bulletin_words():
    bulletin_nodes = [n for n in NODES.values() if n.source == "bulletin"]
    assert len(bulletin_nodes) >= 10
    for node in bulletin_nodes:
        assert node.label in BULLETIN_STEPS, node
    for label, source in CA_CHOICES:
        assert (label in BULLETIN_STEPS) == (source == "bulletin")


def test_every_node_has_a_known_source_and_existing_children():
    for node in NODES.values():
        assert node.source in SOURCES, node
        for child in node.children:
            assert child in NODES, (node.id, child)
        if node.gate:
            assert NODES[node.gate].kind == "password"


def test_the_bulletin_path_leads_to_the_url_entry():
    labels = [NODES[i].label for i in path_to("configure_ca_cert")]
    assert labels[2:] == [
        "Settings",
        "Advanced",
        "Administration Settings",
        "TLS Security",
        "Custom CA Certificates",
        "Install Custom CA Certs",
        "Configure CA Cert...",
    ]
    labels = [NODES[i].label for i in path_to("profile_1.ca_certificate")]
    assert labels[-3:] == ["Configure TLS Profiles", "Platform Profile 1", "CA Certificate"]


def test_defaults_and_soft_keys():
    assert DEFAULT_ADMIN_PASSWORD == "456"
    assert SOFTKEYS["url_entry"][0] == "Enter"
    assert all(len(keys) == 4 for keys in SOFTKEYS.values())
    assert "{label}" in MESSAGES["not_in_rehearsal"]


def test_facts_cover_every_source_and_follow_the_choices():
    pairs = facts(RehearsalChoices(custom_ca_slots=5, admin_access_until_idle=False))
    assert {source for _, source in pairs} == set(SOURCES)
    text = " ".join(fact for fact, _ in pairs)
    assert "holds 5 custom CA" in text and "does not ask again" in text
