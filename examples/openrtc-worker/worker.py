"""An OpenRTC worker that runs under openrtc-operator.

Before it registers with LiveKit it checks its signed version credential against the
published membership, and while it runs it checks both again every few seconds:

* the credential must verify (a key published in jwks.json signed it, it is unexpired,
  issuer openrtc-operator, audience our agent name, ver == OPENRTC_DEPLOYMENT_VERSION),
  or the worker does not register at all (it exits non-zero);
* it takes a new job only while its pod's labels (the podinfo file, refreshed by the
  kubelet within seconds of a change) say agents.openrtc.tech/role=active; a preview
  waiting for promotion rejects every job, and is promoted by that label, not by the
  membership files (a ConfigMap volume is refreshed only on the kubelet's periodic sync, a
  minute later);
* at start it also needs its version to be the active one (active-version): a pod recreated
  by hand from an old manifest, role=active label and all, takes no job;
* it drains (pool.begin_drain(): no new jobs, live calls run to hang-up) when its pod is
  labelled role=draining or annotated agents.openrtc.tech/drain="true" (one patch sets
  both), or when the membership lists its own revision as draining.

The operator reads the in-flight count from livekit-agents' own GET :8081/worker
(agent_name, worker_type, active_jobs, sdk_version, project_type); nothing here serves it.
A missing active_jobs reads 0 only in an answer carrying agent_name, worker_type or
sdk_version, so a worker that serves its own answer must keep one of them.

    python worker.py start

Needs: openrtc (which brings livekit-agents) and PyJWT with its crypto extra.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt  # PyJWT[crypto]: EdDSA (Ed25519) and ES256 need the cryptography package
from livekit.agents import Agent, JobRequest
from openrtc import AgentPool

log = logging.getLogger("worker")

# Set by the operator in every container of an AgentDeployment.
VERSION = os.environ["OPENRTC_DEPLOYMENT_VERSION"]
CREDENTIAL_FILE = Path(os.environ.get("OPENRTC_CREDENTIAL_FILE", "/var/run/openrtc/credential/token"))
MEMBERSHIP_DIR = Path("/etc/openrtc/membership")
PODINFO_DIR = Path("/etc/openrtc/podinfo")

ISSUER = "openrtc-operator"
# The operator signs with Ed25519 (EdDSA), or ES256 where Ed25519 is unavailable. Only
# asymmetric algorithms: a token cannot pick HS256 and "sign" with the public key.
SIGNING_ALGORITHMS = ["EdDSA", "ES256"]
DRAIN_ANNOTATION = "agents.openrtc.tech/drain"
ROLE_LABEL = "agents.openrtc.tech/role"
DEPLOYMENT_LABEL = "agents.openrtc.tech/deployment"

# How long live calls may run on after a drain or SIGTERM. Keep the pod's
# terminationGracePeriodSeconds above it (see agentdeployment.yaml).
DRAIN_TIMEOUT = int(os.environ.get("DRAIN_TIMEOUT_SECONDS", "1800"))
CHECK_SECONDS = 2.0
# At start, how long to wait for a credential that verifies (a rotated key may reach the
# membership files a little after the credential signed with it) before giving up.
STARTUP_WAIT_SECONDS = 60.0


class NotAMember(Exception):
    """Why this worker may not take new calls; outcome names as in `verify-credential`."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(f"{outcome}: {message}")
        self.outcome = outcome


@dataclass(frozen=True)
class Membership:
    """The mounted ConfigMap <name>-membership: one file per key."""

    active_version: str | None
    active_revision: str | None
    draining: list[dict] = field(default_factory=list)  # [{"version": ..., "revision": ...}]
    jwks: dict = field(default_factory=dict)


def read_membership() -> Membership:
    def read(name: str) -> str:
        path = MEMBERSHIP_DIR / name
        return path.read_text(encoding="utf-8").strip() if path.is_file() else ""

    jwks = read("jwks.json")
    if not jwks:
        raise NotAMember("MALFORMED", f"no jwks.json in {MEMBERSHIP_DIR}")
    return Membership(
        active_version=read("active-version") or None,
        active_revision=read("active-revision") or None,
        draining=json.loads(read("draining") or "[]") or [],
        jwks=json.loads(jwks),
    )


def read_podinfo(name: str) -> dict[str, str]:
    """A downward-API file (labels, annotations): one key="value" line each."""
    path = PODINFO_DIR / name
    if not path.is_file():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            try:
                entries[key] = json.loads(value)  # the value is a double-quoted string
            except ValueError:
                entries[key] = value.strip('"')
    return entries


def expected_audience() -> str:
    """The operator sets aud to spec.agentName, or to the AgentDeployment's name without one."""
    return os.environ.get("LIVEKIT_AGENT_NAME") or read_podinfo("labels").get(DEPLOYMENT_LABEL, "")


def verify_credential(token: str, jwks: dict) -> dict:
    """Returns the claims of a credential for this worker's version; raises NotAMember otherwise."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        published = jwt.PyJWKSet.from_dict(jwks)
    except (jwt.DecodeError, jwt.PyJWKSetError) as e:
        raise NotAMember("MALFORMED", str(e)) from None
    try:
        key = published[kid]
    except KeyError:
        raise NotAMember("UNKNOWN_KID", f"no published key has kid {kid}") from None
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=SIGNING_ALGORITHMS,
            issuer=ISSUER,
            audience=expected_audience(),
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti", "ver", "rev"]},
        )
    except jwt.InvalidSignatureError:
        raise NotAMember("BAD_SIGNATURE", "the signature does not verify") from None
    except jwt.ExpiredSignatureError:
        raise NotAMember("EXPIRED", "the credential has expired") from None
    except jwt.InvalidTokenError as e:
        raise NotAMember("MALFORMED", str(e)) from None
    if claims["ver"] != VERSION:
        raise NotAMember("WRONG_VERSION", f"the credential is for version {claims['ver']}, not {VERSION}")
    return claims


@dataclass
class Verdict:
    credential_ok: bool  # the credential itself verifies
    member: bool  # ...and our version is the active one: take new jobs
    demoted: bool  # the membership lists our revision as draining
    reason: str


def check() -> Verdict:
    """Reads the mounted files and decides. Cheap: a few small files and one signature."""
    try:
        membership = read_membership()
        claims = verify_credential(CREDENTIAL_FILE.read_text(encoding="utf-8").strip(), membership.jwks)
    except NotAMember as e:
        return Verdict(False, False, False, str(e))
    except (OSError, ValueError) as e:  # a missing file, or JSON that does not parse
        return Verdict(False, False, False, f"UNREADABLE: {e}")
    demoted = any(d.get("revision") == claims["rev"] for d in membership.draining)
    if membership.active_version != claims["ver"]:
        why = f"NOT_ACTIVE: version {claims['ver']} is not active (active: {membership.active_version})"
        return Verdict(True, False, demoted, why)
    return Verdict(True, True, demoted, f"member: version {claims['ver']} revision {claims['rev']}")


class Gate:
    """Written by the watcher thread, read by accept_job on the event loop (plain bools)."""

    accepting = False
    draining = False
    role: str | None = None  # agents.openrtc.tech/role as the podinfo labels say
    confirmed = False  # the membership said our version is active, or we saw our promotion


def decide(verdict: Verdict, role: str | None) -> bool:
    """Whether to take new jobs, given the files now and the role label now."""
    if role is None:  # a pod from an operator without role labels: the membership decides
        return verdict.member
    if gate.role == "preview" and role == "active":
        gate.confirmed = True  # promoted while running: the membership files follow later
    gate.confirmed = gate.confirmed or verdict.member
    gate.role = role
    return role == "active" and verdict.credential_ok and gate.confirmed


gate = Gate()


async def accept_job(req: JobRequest) -> None:
    """LiveKit offers each job; a rejected one goes to another worker."""
    if gate.accepting and not gate.draining:
        await req.accept()
    else:
        await req.reject()


def watch(pool: AgentPool) -> None:
    """Re-checks the credential, the membership, the role label and the drain mark every CHECK_SECONDS."""
    last = None
    while True:
        verdict = check()
        role = read_podinfo("labels").get(ROLE_LABEL)
        gate.accepting = decide(verdict, role)
        reason = f"{verdict.reason}; role {role}; taking jobs: {gate.accepting}"
        if reason != last:
            log.info("membership: %s", reason)
            last = reason
        drain = (role == "draining" or read_podinfo("annotations").get(DRAIN_ANNOTATION) == "true"
                 or verdict.demoted)
        if drain and not gate.draining:
            log.info("draining: no new jobs; live calls run to hang-up (up to %ss)", DRAIN_TIMEOUT)
            gate.draining = True  # one-way
        if gate.draining and not pool.draining:
            pool.begin_drain()  # a no-op until the pool runs: repeated until it takes
        time.sleep(CHECK_SECONDS)


class SupportAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You are a friendly support agent. Keep answers short.")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # Never register with a credential that does not verify.
    deadline = time.monotonic() + STARTUP_WAIT_SECONDS
    verdict = check()
    while not verdict.credential_ok and time.monotonic() < deadline:
        log.warning("waiting for a valid credential: %s", verdict.reason)
        time.sleep(CHECK_SECONDS)
        verdict = check()
    if not verdict.credential_ok:
        log.error("not registering: %s", verdict.reason)
        sys.exit(1)
    log.info("membership: %s", verdict.reason)
    # A preview registers, but takes jobs only once its role label says active.
    gate.accepting = decide(verdict, read_podinfo("labels").get(ROLE_LABEL))

    # isolation stays "coroutine" (the default): in "process" isolation pool.begin_drain()
    # is a no-op, and only SIGTERM would drain (that is what trigger: Signal is for).
    pool = AgentPool(
        deployment_version=os.environ["OPENRTC_DEPLOYMENT_VERSION"],
        drain_timeout=DRAIN_TIMEOUT,
        agent_name=os.environ.get("LIVEKIT_AGENT_NAME"),
        request_fnc=accept_job,
    )
    pool.add(
        "support",
        SupportAgent,
        stt="deepgram/nova-3",
        llm="openai/gpt-4.1-mini",
        tts="cartesia/sonic-2",
        greeting="Hello, this is support. How can I help?",
    )
    threading.Thread(target=watch, args=(pool,), name="membership", daemon=True).start()
    pool.run()  # livekit-agents' CLI: `python worker.py start`


if __name__ == "__main__":
    main()
