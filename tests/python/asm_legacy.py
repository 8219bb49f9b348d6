"""The legacy Service Management SDK (azure-servicemanagement-legacy) reading subscriptions
with a management certificate, as scripts that predate ARM do: for each subscription,
Get Subscription and List Hosted Services.

    python asm_legacy.py HOST PEM SUBSCRIPTION[,SUBSCRIPTION...]

HOST is host:port of the ASM endpoint (the stand-in); PEM holds the key and the
certificate; REQUESTS_CA_BUNDLE names the CA that signed the stand-in's certificate.
Prints one line per subscription, or `error: HTTP <status> <code>` and exits 1.
"""
import re
import sys

from azure.common import AzureHttpError
from azure.servicemanagement import ServiceManagementService

host, pem, subscriptions = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
for subscription in subscriptions:
    sms = ServiceManagementService(subscription, pem, host=host)
    try:
        name = sms.get_subscription().subscription_name
        services = [s.service_name for s in sms.list_hosted_services()]
    except AzureHttpError as e:  # its text is the reason, a newline, then the body
        code = re.search(r"<Code>([^<]+)</Code>", str(e))
        sys.exit(f"error: HTTP {e.status_code} {code.group(1) if code else ''}")
    print(subscription, name, " ".join(services))
