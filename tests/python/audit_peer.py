"""The Python peer of `certtool audit` for tests/bench/audit.sh: one app-only Graph token
from azure-identity (CertificateCredential), then the same two listings with a plain
paging loop (requests), following @odata.nextLink and honouring 429 Retry-After, keeping
one small record per credential with its days left, as certtool does.

    AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_CERTIFICATE_PATH (PEM)
    AZURE_AUTHORITY_HOST   Entra ID (the stand-in's URL)
    GRAPH_ENDPOINT         Microsoft Graph (the stand-in's URL)
    REQUESTS_CA_BUNDLE     the CA that signed the stand-in's certificate

Prints one line: requests made, objects listed, credentials kept, expired.
"""
import datetime
import os
import time

import requests
from azure.identity import CertificateCredential

env = os.environ
graph = env["GRAPH_ENDPOINT"].rstrip("/")
credential = CertificateCredential(
    env["AZURE_TENANT_ID"],
    env["AZURE_CLIENT_ID"],
    env["AZURE_CLIENT_CERTIFICATE_PATH"],
    authority=env["AZURE_AUTHORITY_HOST"],
    disable_instance_discovery=True,
)
token = credential.get_token(graph + "/.default").token
session = requests.Session()
session.headers["Authorization"] = "Bearer " + token
now = datetime.datetime.now(datetime.timezone.utc)
requests_made, objects, kept, expired = 1, 0, [], 0


def days_left(end):
    if not end:
        return None
    when = datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
    return (when - now).days


for url in (
    graph + "/v1.0/applications?$select=id,appId,displayName,keyCredentials,passwordCredentials&$top=999",
    graph + "/v1.0/servicePrincipals?$select=id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,"
    "keyCredentials,passwordCredentials,preferredTokenSigningKeyThumbprint&$top=999",
):
    while url:
        answer = session.get(url)
        requests_made += 1
        if answer.status_code == 429:
            time.sleep(int(answer.headers.get("Retry-After", "1")))
            continue
        answer.raise_for_status()
        page = answer.json()
        for o in page["value"]:
            objects += 1
            for kind, creds in (("certificate", o.get("keyCredentials") or []), ("secret", o.get("passwordCredentials") or [])):
                for c in creds:
                    left = days_left(c.get("endDateTime"))
                    expired += left is not None and left < 0
                    kept.append((o["appId"], o["id"], o.get("displayName"), c["keyId"], kind, c.get("endDateTime"), left))
        url = page.get("@odata.nextLink")
print(f"requests {requests_made}, objects {objects}, credentials {len(kept)}, expired {expired}")
