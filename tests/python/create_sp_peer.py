"""The work of `az ad sp create-for-rbac` plus the proof `certtool create sp` adds, done as
a Python tool would: azure-identity for the tokens, plain HTTP (requests) for Graph and
ARM, the same requests certtool sends. A benchmark peer (tests/bench/create-sp.sh), not a
tool: it stops at the first failure.

    AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET   the runner
    AZURE_AUTHORITY_HOST, ARM_ENDPOINT, GRAPH_ENDPOINT      the stand-in's URL
    AZURE_SUBSCRIPTION_ID, REQUESTS_CA_BUNDLE
    SP_NAME, SP_ROLE                                        what to make

Prints the new client id; with PEER_COUNT=1 also `requests: N` on stderr.
"""
import datetime
import os
import sys
import time
import urllib.parse
import uuid

import requests

sent = 0
_send = requests.Session.send


def counting_send(self, request, **kwargs):
    global sent
    sent += 1
    return _send(self, request, **kwargs)


requests.Session.send = counting_send

from azure.core.exceptions import ClientAuthenticationError  # noqa: E402
from azure.identity import ClientSecretCredential  # noqa: E402

env = os.environ
tenant, sub = env["AZURE_TENANT_ID"], env["AZURE_SUBSCRIPTION_ID"]
graph, arm = env["GRAPH_ENDPOINT"].rstrip("/"), env["ARM_ENDPOINT"].rstrip("/")
common = dict(authority=env["AZURE_AUTHORITY_HOST"], disable_instance_discovery=True)
runner = ClientSecretCredential(tenant, env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"], **common)
http = requests.Session()


def call(method, url, token, body=None):
    r = http.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})
    if r.status_code >= 300:
        sys.exit(f"error: {method} {url}: HTTP {r.status_code} {r.text[:200]}")
    return r.json() if r.content else None


g = runner.get_token(graph + "/.default").token
a = runner.get_token(arm + "/.default").token
name = env["SP_NAME"]
flt = urllib.parse.quote(f"displayName eq '{name}'")
call("GET", f"{graph}/v1.0/applications?$filter={flt}&$select=id,appId", g)
app = call("POST", f"{graph}/v1.0/applications", g, {"displayName": name, "signInAudience": "AzureADMyOrg"})
sp = call("POST", f"{graph}/v1.0/servicePrincipals", g, {"appId": app["appId"]})
end = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
pw = call("POST", f"{graph}/v1.0/applications/{app['id']}/addPassword", g,
          {"passwordCredential": {"displayName": "peer", "endDateTime": end}})
auth = f"{arm}/subscriptions/{sub}/providers/Microsoft.Authorization"
rflt = urllib.parse.quote(f"roleName eq '{env['SP_ROLE']}'")
role = call("GET", f"{auth}/roleDefinitions?$filter={rflt}&api-version=2022-04-01", a)["value"][0]
call("PUT", f"{auth}/roleAssignments/{uuid.uuid4()}?api-version=2022-04-01", a, {"properties": {
    "roleDefinitionId": role["id"], "principalId": sp["id"], "principalType": "ServicePrincipal"}})
# The proof: sign in as the new app (retrying while it replicates), read the subscription
# and its permissions.
new = ClientSecretCredential(tenant, app["appId"], pw["secretText"], **common)
deadline = time.monotonic() + 300
while True:
    try:
        t = new.get_token(arm + "/.default").token
        break
    except ClientAuthenticationError:
        if time.monotonic() > deadline:
            raise
        time.sleep(1)
call("GET", f"{arm}/subscriptions/{sub}?api-version=2022-12-01", t)
call("GET", f"{arm}/subscriptions/{sub}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01", t)
print(app["appId"])
if env.get("PEER_COUNT"):
    print(f"requests: {sent}", file=sys.stderr)
