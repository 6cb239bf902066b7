"""Auto ID: X.509 identities, the identity domain's registry, mTLS, verifiable claims and Auto Score.

Spec: `../shared/spec/protocol.md` section 1 (registry, bit-exact with the network: identifiers, order of checks,
error names), `../shared/spec/domains_and_ai.md` sections 3.1-3.3 (Auto Score, claims, chain of trust,
co-issuance) and the white paper's Appendix A-D. Modules, one concept each:

der / certificate   strict DER walk of TBS and full certificates (why hand-written: see der.py)
algorithms          Ed25519, ECDSA P-256/P-384, RSA PKCS#1 v1.5 signatures over AlgorithmIdentifier bytes
identifier          blake2b-256 identifier derivation
encoding            SCALE (CE) of signed messages
registry            register / renew / revoke / deactivate, SQLite-persisted, all-or-nothing
issuance            self-issued, CSR-issued and co-issued certificates
verification        validity, revocation, chain of trust; signing and verifying messages with an Auto ID
mtls                server/client ssl contexts accepting only registry-verified peers
claims              verifiable credentials: nonce challenge, issuance, presentation, on-chain revocation
score               Auto Score from weighted evidence
cli                 `autonomys autoid ...`
"""

from .algorithms import PrivateKey, Signature, sign
from .certificate import CertificateParts, TbsCertificate, decode_tbs, join_certificate, split_certificate
from .claims import (Challenge, ChallengeResponse, Credential, CredentialIssuer, CredentialRevocations, Presentation,
                     RevocationEntry, present, respond_to_challenge, verify_presentation)
from .encoding import CertificateActionType, certificate_action_message
from .errors import *  # noqa: F401,F403 - every named error is public
from .errors import ALL_ERRORS, AutoIdError
from .identifier import blake2_256, derive_identifier, parse_identifier
from .issuance import (CoIssuedCertificate, co_issue, generate_key, issue_from_csr, load_private_key, make_csr,
                       private_key_pem, self_issue)
from .mtls import PeerRefused, client_context, peer_auto_id, server_context
from .registry import AutoIdRecord, AutoIdRegistry, Clock, CoIssuance, CoSignature, system_clock_ms
from .score import (DEFAULT_WEIGHTS, AutoScore, EvidenceEntry, EvidenceType, EvidenceWeight, ScoreLevel, attest,
                    nullifier_for)
from .verification import MAX_CHAIN_DEPTH, sign_message, verify_auto_id, verify_message

__all__ = [
    "ALL_ERRORS", "AutoIdError", "AutoIdRecord", "AutoIdRegistry", "AutoScore", "CertificateActionType",
    "CertificateParts", "Challenge", "ChallengeResponse", "Clock", "CoIssuance", "CoIssuedCertificate", "CoSignature",
    "Credential", "CredentialIssuer", "CredentialRevocations", "DEFAULT_WEIGHTS", "EvidenceEntry", "EvidenceType",
    "EvidenceWeight", "MAX_CHAIN_DEPTH", "PeerRefused", "Presentation", "PrivateKey", "RevocationEntry",
    "ScoreLevel", "Signature", "TbsCertificate", "attest", "blake2_256", "certificate_action_message",
    "client_context", "co_issue", "decode_tbs", "derive_identifier", "generate_key", "issue_from_csr",
    "join_certificate", "load_private_key", "make_csr", "nullifier_for", "parse_identifier", "peer_auto_id",
    "present", "private_key_pem", "respond_to_challenge", "self_issue", "server_context", "sign", "sign_message",
    "split_certificate", "system_clock_ms", "verify_auto_id", "verify_message", "verify_presentation",
    *(cls.__name__ for cls in ALL_ERRORS),
]
