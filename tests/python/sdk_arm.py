"""Sign in as an app with azure-identity and read a subscription with Resource Manager's
SubscriptionClient (azure-mgmt-resource-subscriptions, where azure-mgmt-resource 26 moved it),
configured by the environment variables azure-identity and certtool both read.

    AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_SUBSCRIPTION_ID
    AZURE_CLIENT_CERTIFICATE_PATH (PEM or PFX) [+ AZURE_CLIENT_CERTIFICATE_PASSWORD]
      or AZURE_CLIENT_SECRET
    AZURE_AUTHORITY_HOST   Entra ID (the stand-in's URL)
    ARM_ENDPOINT           Resource Manager (the stand-in's URL)
    REQUESTS_CA_BUNDLE     the CA that signed the stand-in's certificate

Prints the subscription, or one line `error: AADSTS<code>` / `error: HTTP <status> <code>`
and exits 1.
"""
import os
import re
import sys

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import CertificateCredential, ClientSecretCredential
from azure.mgmt.resource.subscriptions import SubscriptionClient

env = os.environ
common = dict(
    authority=env["AZURE_AUTHORITY_HOST"],
    # The stand-in is not one of Microsoft's hosts: skip the check that asks Microsoft.
    disable_instance_discovery=True,
)
if env.get("AZURE_CLIENT_CERTIFICATE_PATH"):
    credential = CertificateCredential(
        env["AZURE_TENANT_ID"],
        env["AZURE_CLIENT_ID"],
        env["AZURE_CLIENT_CERTIFICATE_PATH"],
        password=env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
        **common,
    )
else:
    credential = ClientSecretCredential(
        env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"], **common
    )

arm = env["ARM_ENDPOINT"].rstrip("/")
client = SubscriptionClient(credential, base_url=arm, credential_scopes=[arm + "/.default"])
try:
    sub = client.subscriptions.get(env["AZURE_SUBSCRIPTION_ID"])
except ClientAuthenticationError as e:
    code = re.search(r"AADSTS(\d+)", str(e))
    if code is None:
        raise
    sys.exit(f"error: AADSTS{code.group(1)}")
except HttpResponseError as e:
    sys.exit(f"error: HTTP {e.status_code} {e.error.code if e.error else ''}")
print(sub.subscription_id, sub.display_name, getattr(sub.state, "value", sub.state))
