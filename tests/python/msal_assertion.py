"""MSAL for Python against the stand-in's Entra ID.

    python msal_assertion.py post RS256|PS256 TOKEN_URL CLIENT_ID PEM
        An assertion made by MSAL's own JwtAssertionCreator (what
        ConfidentialClientApplication sends: RS256 with `x5t`, PS256 with `x5t#S256`,
        padded thumbprints, float iat/exp, no nbf), posted to TOKEN_URL with requests.
        Prints `200 Bearer`, or `<status> AADSTS<code>` (and exits 1).
    python msal_assertion.py app AUTHORITY INSTANCE_DISCOVERY_URL CLIENT_ID PEM SCOPE
        ConfidentialClientApplication with instance discovery asked of
        INSTANCE_DISCOVERY_URL (not disabled), then tenant discovery and a token.
        Prints `token Bearer`, or `error: <text>` (and exits 1).

REQUESTS_CA_BUNDLE names the CA that signed the stand-in's certificate.
"""
import hashlib
import sys

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from msal.oauth2cli.assertion import JwtAssertionCreator


def key_and_certificate(path):
    data = open(path, "rb").read()
    key = serialization.load_pem_private_key(data, password=None)
    der = x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem_key, der


def post(alg, token_url, client_id, pem):
    key, der = key_and_certificate(pem)
    if alg == "PS256":
        creator = JwtAssertionCreator(key, "PS256", sha256_thumbprint=hashlib.sha256(der).hexdigest())
    else:
        creator = JwtAssertionCreator(key, "RS256", sha1_thumbprint=hashlib.sha1(der).hexdigest())
    assertion = creator.create_normal_assertion(audience=token_url, issuer=client_id)
    reply = requests.post(token_url, data={
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": "https://management.azure.com/.default",
    })
    body = reply.json()
    if reply.status_code == 200:
        print(reply.status_code, body["token_type"])
    else:
        sys.exit(f"{reply.status_code} AADSTS{body['error_codes'][0]}")


def app(authority, instance_discovery, client_id, pem, scope):
    key, der = key_and_certificate(pem)
    try:
        cca = msal.ConfidentialClientApplication(
            client_id,
            client_credential={"private_key": key, "thumbprint": hashlib.sha1(der).hexdigest()},
            authority=authority,
            instance_discovery=instance_discovery,
        )
    except ValueError as e:
        sys.exit(f"error: {e}")
    result = cca.acquire_token_for_client(scopes=[scope])
    if "access_token" not in result:
        sys.exit(f"error: AADSTS{result['error_codes'][0]}")
    print("token", result["token_type"])


if __name__ == "__main__":
    {"post": post, "app": app}[sys.argv[1]](*sys.argv[2:])
