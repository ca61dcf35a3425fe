"""The provisioning parameters fleet files carry, each with where its name comes from.

DESIGN.md ("Provisioning files: what we know, and from where") is the record of
these facts. A parameter is labelled **vendor doc** (the document named) or
**rehearsal choice** (our assumption); the label goes into the written file as
an XML comment beside the parameter, so an administrator reading site.cfg sees
which lines rest on a document and which on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

# Names the handset reads by (core.handset.bootfiles, its one parser): one home each,
# re-exported for the fleet's writer and check --boot.
from core.handset.bootfiles import (
    DEVICE_SET,
    SERVER_NAME,
    SERVER_TYPE,
    SET_SUFFIX,
    STRICT_CN,
)
from core.handset.bootfiles import MASTER_SUFFIX as MASTER_SUFFIX
from core.handset.bootfiles import master_name as master_name

VENDOR_DOC = "vendor doc"
REHEARSAL_CHOICE = "rehearsal choice"

SPECTRALINK_8400 = 'Spectralink, "Installing Certificates on Spectralink 8400 Handsets"'
POLYCOM_UC = (
    "Polycom UC Software administrator guides; the name public provisioning generators write"
)

SITE_FILE = "site.cfg"
EXT_SUFFIX = "-ext.cfg"
CA_FILE = "ca.crt"

CUSTOM_CA = ("device.sec.TLS.customCaCert1", "device.sec.TLS.customCaCert2")
PROFILE_CA_LIST = "device.sec.TLS.profile.caCertList1"
PROFILE_SELECTION = "device.sec.TLS.profileSelection.provisioning"
REG_ADDRESS = "reg.1.address"
REG_LABEL = "reg.1.label"

# The value written for the profile's CA list: the bulletin's "All Certificates"
# (older firmware: device.sec.SSL.certList="all"). The exact value the TLS-named
# parameter takes is not in a document we have: a rehearsal choice.
ALL_CERTIFICATES_VALUE = "All"
PROVISIONING_PROFILE = "PlatformProfile1"
HTTPS_SERVER_TYPE = "HTTPS"


@dataclass(frozen=True)
class Source:
    label: str  # VENDOR_DOC or REHEARSAL_CHOICE
    text: str  # the document, or what we assumed and why

    def comment(self, name: str) -> str:
        return f"{name}: {self.label} ({self.text})"


SOURCES: dict[str, Source] = {
    DEVICE_SET: Source(
        VENDOR_DOC,
        f"{SPECTRALINK_8400}: device.* parameters take effect only when their .set is 1, "
        "so every device.* parameter here has its .set written as 1",
    ),
    CUSTOM_CA[0]: Source(
        VENDOR_DOC,
        f"{SPECTRALINK_8400} and {POLYCOM_UC}: the root CA as Base 64 (PEM) text",
    ),
    CUSTOM_CA[1]: Source(
        VENDOR_DOC,
        f"{POLYCOM_UC}: the second custom CA, used during a CA rollover",
    ),
    PROFILE_CA_LIST: Source(
        VENDOR_DOC,
        f"name: {POLYCOM_UC}; value {ALL_CERTIFICATES_VALUE!r} for the bulletin's "
        '"All Certificates" is a rehearsal choice (older firmware wrote '
        'device.sec.SSL.certList="all", not written here)',
    ),
    PROFILE_SELECTION: Source(
        VENDOR_DOC,
        f"name: {POLYCOM_UC}; provisioning uses a platform profile; "
        f"{PROVISIONING_PROFILE} as that profile is a rehearsal choice",
    ),
    STRICT_CN: Source(
        VENDOR_DOC,
        f"{POLYCOM_UC}: the boot server name must equal the certificate's Common Name",
    ),
    SERVER_NAME: Source(
        VENDOR_DOC,
        f"name: {POLYCOM_UC}; the value is the boot server NAME given to fleet build",
    ),
    SERVER_TYPE: Source(
        VENDOR_DOC,
        f"name: {POLYCOM_UC}; the value {HTTPS_SERVER_TYPE} is a rehearsal choice",
    ),
    REG_ADDRESS: Source(
        REHEARSAL_CHOICE,
        "the handset's extension from the inventory; not in the 8400 documents we have",
    ),
    REG_LABEL: Source(
        REHEARSAL_CHOICE,
        "the label from the inventory; not in the 8400 documents we have",
    ),
}

LAYOUT_SOURCE = Source(
    VENDOR_DOC,
    f"{POLYCOM_UC}: a master file named by the MAC lists the files to read in "
    "CONFIG_FILES; 000000000000.cfg is the default for any handset",
)


def ext_name(mac: str) -> str:
    return f"{mac}{EXT_SUFFIX}"


def set_name(parameter: str) -> str:
    """The .set flag that must be 1 for a device.* parameter to apply (vendor doc)."""
    return f"{parameter}{SET_SUFFIX}"
