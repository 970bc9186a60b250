"""Enforces policy rules with the real oslo.policy (Debian's python3-oslo.policy), as Cinder does.

Reads a JSON list of cases on stdin, prints a JSON list of results on stdout:
  case:   {"rules": {name: rule}, "action": name, "target": {...}, "creds": {...},
           "oslo_policy": {"remote_content_type": ..., "remote_ssl_*": ...}}
  result: {"allowed": true|false} or {"error": "<exception class>: <message>"}
An `http:`/`https:` check in a rule makes oslo.policy call the protection API (HttpCheck/HttpsCheck).
"""
import json
import sys

from oslo_config import cfg
from oslo_policy import policy


def enforce(case):
    conf = cfg.ConfigOpts()
    conf([], project="snapwarden-test", default_config_files=[])
    enforcer = policy.Enforcer(conf, use_conf=False)
    for key, value in (case.get("oslo_policy") or {}).items():
        conf.set_override(key, value, group="oslo_policy")
    enforcer.set_rules(policy.Rules.from_dict(case["rules"]), overwrite=True, use_conf=False)
    try:
        return {"allowed": bool(enforcer.enforce(case["action"], case["target"], case["creds"]))}
    except Exception as exc:  # what Cinder would turn into an HTTP 500
        return {"error": "%s: %s" % (type(exc).__name__, exc)}


def main():
    cases = json.load(sys.stdin)
    json.dump([enforce(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
