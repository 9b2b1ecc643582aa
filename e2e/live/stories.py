#!/usr/bin/env python3
"""Conformance stories for `drill live`, played with clients nobody here wrote: the official
aws CLI (PyPI `awscli`), curl, and the official Elasticsearch client (PyPI `elasticsearch8`).

Run by `cargo xtask test live` inside a virtual environment it creates with the pinned
e2e/live/requirements.txt:

    python stories.py --drill target/debug/drill [--transcripts DIR]

Each story starts `drill live` at high speed, plays, ends it with `q` on stdin and checks
that the replay it wrote verifies with `drill verify` (mode `tools`). Any failure (a missing
tool included) exits 1: nothing is skipped.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import elasticsearch8
from elasticsearch8 import Elasticsearch

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = None
RESULTS = []
RUNNING = []
DIRS = []


def free_ports(n):
    """A base port with n free ports after it."""
    for base in range(31000, 60000, 37):
        socks = []
        try:
            for k in range(n):
                s = socket.socket()
                s.bind(("127.0.0.1", base + k))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


class Drill:
    """A `drill live` process and the trainee's terminal (aws CLI, curl) pointed at it."""

    def __init__(self, name, scenario, seed, speed):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"drill-live-{name}-")
        DIRS.append(self.dir)
        self.es_port = free_ports(8)
        self.ec2_port = self.es_port + 7  # free_ports(8) checked it too
        self.replay = os.path.join(self.dir, f"{name}.json")
        self.log_path = os.path.join(self.dir, "view.log")
        self.transcript = []
        self.log = open(self.log_path, "w")
        cmd = [
            ARGS.drill, "live", "--scenario", scenario, "--seed", str(seed),
            "--speed", str(speed), "--es-port", str(self.es_port),
            "--ec2-port", str(self.ec2_port), "--replay-out", self.replay,
        ]
        self.command = " ".join(cmd[1:])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT, text=True)
        RUNNING.append(self.proc)
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID="drill", AWS_SECRET_ACCESS_KEY="drill",
                        AWS_DEFAULT_REGION="ap-northeast-1", AWS_PAGER="",
                        AWS_EC2_METADATA_DISABLED="true")
        self.endpoint = f"http://127.0.0.1:{self.ec2_port}"
        deadline = time.time() + 20
        while time.time() < deadline:
            if "Controls:" in self.view():
                break
            if self.proc.poll() is not None:
                raise AssertionError(f"drill live exited: {self.view()}")
            time.sleep(0.05)
        else:
            raise AssertionError("drill live did not start")
        time.sleep(0.1)

    def view(self):
        with open(self.log_path) as f:
            return f.read()

    def clock(self):
        """The sim clock the live view printed last, in seconds."""
        stamps = re.findall(r"^\[(\d+):(\d\d)\]", self.view(), re.M)
        m, s = stamps[-1] if stamps else ("0", "00")
        return int(m) * 60 + int(s)

    def es(self, node, **kw):
        return Elasticsearch(f"http://127.0.0.1:{self.es_port + node - 1}", **kw)

    def url(self, node, path):
        return f"http://127.0.0.1:{self.es_port + node - 1}{path}"

    def sh(self, line, check=True, show=True):
        """Runs a shell line the trainee types (`aws …` goes to this drill's endpoint)."""
        shown = line.replace(f"127.0.0.1:{self.es_port}", "node-1:9200")
        for k in range(1, 8):
            shown = shown.replace(f"127.0.0.1:{self.es_port + k}", f"node-{k + 1}:9200")
        argv = shlex.split(line)
        if argv[0] == "aws":
            argv = [os.path.join(os.path.dirname(sys.executable), "aws"),
                    "--endpoint-url", self.endpoint] + argv[1:]
        elif shutil.which(argv[0]) is None:
            raise AssertionError(f"{argv[0]} is not installed: the story cannot run")
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=120)
        out = (r.stdout + r.stderr).rstrip()
        if show:
            self.transcript.append((self.clock(), shown, out, r.returncode))
        if check and r.returncode != 0:
            raise AssertionError(f"`{line}` exited {r.returncode}: {out}")
        return r.returncode, out

    def instance_id(self, name):
        _, out = self.sh(
            f"aws ec2 describe-instances --filters Name=tag:Name,Values={name} "
            "--query Reservations[0].Instances[0].InstanceId --output text")
        assert out.startswith("i-0"), out
        return out

    def wait(self, what, cond, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}\n{self.view()[-3000:]}")

    def control(self, line, expect):
        """Types a control line on drill live's stdin and waits for the view's answer."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self.wait(f"`{expect}` in the view", lambda: expect in self.view(), timeout=10)

    def finish(self, interrupt=False):
        """Ends the drill (`q`, or Ctrl-C: SIGINT), then checks its replay with
        `drill verify`."""
        if interrupt:
            self.proc.send_signal(signal.SIGINT)
        else:
            self.proc.stdin.write("q\n")
            self.proc.stdin.flush()
        self.proc.wait(timeout=60)
        self.log.close()
        assert self.proc.returncode == 0, self.view()[-2000:]
        r = subprocess.run([ARGS.drill, "verify", "--json", self.replay],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"drill verify refused the replay: {r.stderr}"
        report = json.loads(r.stdout)
        assert report["mode"] == "tools", report["mode"]
        self.report = report
        if ARGS.transcripts:
            self.write_transcript()
        return report

    def write_transcript(self):
        os.makedirs(ARGS.transcripts, exist_ok=True)
        path = os.path.join(ARGS.transcripts, f"{self.name}.md")
        with open(path, "w") as f:
            f.write(f"### `drill {self.command}`\n\nThe trainee's terminal (sim clock "
                    "from the live view; `node-k:9200` stands for node-k's port):\n\n```\n")
            for at, line, out, rc in self.transcript:
                f.write(f"[{at // 60:02}:{at % 60:02}] $ {line}\n")
                if out:
                    f.write(out + "\n")
                if rc:
                    f.write(f"(exit {rc})\n")
            f.write("```\n\nThe live view (`drill live`'s own terminal):\n\n```\n")
            f.write(self.view().rstrip() + "\n```\n")


def story(fn):
    def run():
        started = time.time()
        try:
            fn()
            RESULTS.append((fn.__name__, None))
            print(f"ok   {fn.__name__} ({time.time() - started:.1f}s)", flush=True)
        except Exception as e:  # noqa: BLE001 — every failure fails the run
            RESULTS.append((fn.__name__, e))
            print(f"FAIL {fn.__name__}: {e!r}", flush=True)
        finally:
            for proc in RUNNING:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            RUNNING.clear()
            for d in DIRS:
                shutil.rmtree(d, ignore_errors=True)
            DIRS.clear()
    run.__name__ = fn.__name__
    return run


def health_status(d, node):
    rc, out = d.sh(f"curl -s -m 5 {d.url(node, '/_cluster/health')}", check=False, show=False)
    try:
        return json.loads(out)["status"] if rc == 0 else None
    except ValueError:
        return None


@story
def the_founding_trap_typed_in_the_aws_cli_causes_the_outage_the_clients_see():
    d = Drill("trap", "seed-ami-trap", 1, 30)
    d.wait("yellow", lambda: health_status(d, 2) == "yellow")
    d.sh(f"curl -s {d.url(2, '/_cat/nodes?v')}")
    node2 = d.instance_id("node-2")
    _, out = d.sh(f"aws ec2 create-image --instance-id {node2} --name node-2-clone")
    assert json.loads(out)["ImageId"].startswith("ami-0"), out
    # node-2 shuts down for the snapshot: its port refuses the connection (curl exit 7).
    d.wait("node-2 to refuse", lambda: d.sh(f"curl -s -m 5 {d.url(2, '/')}",
                                            check=False, show=False)[0] == 7)
    rc, out = d.sh(f"curl -s -m 5 {d.url(2, '/_cluster/health')}", check=False)
    assert rc == 7, (rc, out)
    # node-3 is up, without a master: 503 master_not_discovered_exception.
    rc, out = d.sh(f"curl -s -w '\\nHTTP %{{http_code}}\\n' "
                   f"'{d.url(3, '/_cluster/health?master_timeout=5s&pretty')}'")
    assert "HTTP 503" in out and "master_not_discovered_exception" in out, out
    es = d.es(3, request_timeout=30)
    try:
        es.cluster.health(master_timeout="5s")
        raise AssertionError("the official client saw no error")
    except elasticsearch8.ApiError as e:
        assert e.meta.status == 503, e.meta.status
        assert e.error == "master_not_discovered_exception", e.error
    d.sh("aws ec2 describe-images --query Images[].[ImageId,Name,State] --output text")
    report = d.finish()
    assert report["outage_ms"] > 0, report["outage_ms"]


@story
def create_image_with_no_reboot_causes_no_outage():
    d = Drill("no-reboot", "seed-ami-trap", 1, 60)
    d.wait("yellow", lambda: health_status(d, 2) == "yellow")
    node2 = d.instance_id("node-2")
    d.sh(f"aws ec2 create-image --instance-id {node2} --name node-2-backup --no-reboot")
    start = d.clock()
    d.wait("two sim minutes", lambda: d.clock() >= start + 120)
    health = d.es(2).cluster.health()
    assert health["status"] in ("yellow", "green"), health
    assert health["number_of_nodes"] >= 2, health
    report = d.finish(interrupt=True)
    assert report["outage_ms"] == 0, report["outage_ms"]


@story
def a_stuck_stop_yields_to_force():
    d = Drill("stuck-stop", "stuck-stopping", 1, 60)
    d.wait("the first status checks", lambda: d.clock() >= 70)
    node2 = d.instance_id("node-2")
    _, out = d.sh(f"aws ec2 stop-instances --instance-ids {node2}")
    assert json.loads(out)["StoppingInstances"][0]["CurrentState"]["Name"] == "stopping", out
    start = d.clock()
    d.wait("three sim minutes", lambda: d.clock() >= start + 180)
    state = f"aws ec2 describe-instances --instance-ids {node2} " \
            "--query Reservations[0].Instances[0].State.Name --output text"
    _, out = d.sh(state)
    assert out == "stopping", f"the stop is stuck on a failed host: {out}"
    d.sh(f"aws ec2 stop-instances --instance-ids {node2} --force")
    d.wait("stopped", lambda: d.sh(state, show=False)[1] == "stopped")
    d.sh(state)
    d.finish()


@story
def describe_instance_status_shows_3_of_3_and_failed_checks():
    d = Drill("status", "seed-ami-trap", 1, 60)
    d.wait("the first status checks", lambda: d.clock() >= 70)
    _, out = d.sh("aws ec2 describe-instance-status")
    statuses = {s["InstanceId"]: s for s in json.loads(out)["InstanceStatuses"]}
    node1, node2 = d.instance_id("node-1"), d.instance_id("node-2")
    assert statuses[node1]["SystemStatus"]["Status"] == "impaired", statuses[node1]
    ok = statuses[node2]
    passed = [ok[k]["Status"] for k in ("SystemStatus", "InstanceStatus", "AttachedEbsStatus")]
    assert passed == ["ok", "ok", "ok"], ok
    d.finish()


@story
def malformed_requests_get_the_real_error_shapes():
    d = Drill("errors", "sandbox", 1, 1)
    rc, out = d.sh("aws ec2 reboot-instances --instance-ids node-1", check=False)
    assert rc != 0 and "InvalidInstanceID.Malformed" in out, out
    rc, out = d.sh("aws ec2 start-instances --instance-ids i-0123456789abcdef0", check=False)
    assert rc != 0 and "InvalidInstanceID.NotFound" in out, out
    node1 = d.instance_id("node-1")
    rc, out = d.sh(f"aws ec2 start-instances --instance-ids {node1}", check=False)
    assert rc != 0 and "IncorrectInstanceState" in out, out
    rc, out = d.sh("aws ssm send-command --instance-ids " + node1 +
                   " --document-name AWS-RunShellScript --parameters commands=['rm -rf /']",
                   check=False)
    assert rc != 0 and "InvalidParameters" in out, out
    es = d.es(1)
    assert es.info()["tagline"] == "You Know, for Search"
    try:
        es.search(index="orders")
        raise AssertionError("no error for a missing index")
    except elasticsearch8.NotFoundError as e:
        assert e.error == "index_not_found_exception", e.error
    assert es.cat.health(format="json")[0]["status"] == "green"
    # The clock's controls on stdin: pause, resume, faster, slower.
    d.control("p", "paused")
    paused_at = d.view().count("\n")
    d.control("p", "resumed")
    d.control("+", "speed 2x")
    d.control("-", "speed 1x")
    assert paused_at > 0
    d.finish()


@story
def the_clean_path_with_only_the_aws_cli_and_curl():
    """seed-ami-trap, recovery=never (seed 0): replace node-1 by the runbook."""
    d = Drill("clean-path", "seed-ami-trap", 0, 30)
    d.wait("yellow", lambda: health_status(d, 2) == "yellow")
    d.sh(f"curl -s {d.url(2, '/_cluster/health?pretty')}")
    d.sh(f"curl -s {d.url(2, '/_cat/nodes?v')}")
    d.wait("the first status checks", lambda: d.clock() >= 65)
    d.sh("aws ec2 describe-instance-status --query "
         "'InstanceStatuses[].[InstanceId,SystemStatus.Status,InstanceStatus.Status]' "
         "--output text")
    # Wait for EC2's verdict on automatic recovery (the pager says it failed).
    d.wait("the failed-recovery notice", lambda: "automatic recovery" in d.view().lower()
           and d.clock() >= 360, timeout=120)
    _, out = d.sh("aws ec2 run-instances --image-id ami-0base --count 1 "
                  "--instance-type m5.xlarge --tag-specifications "
                  "'ResourceType=instance,Tags=[{Key=Name,Value=node-4}]' "
                  "--query Instances[0].InstanceId --output text")
    node4 = out.strip()
    assert node4.startswith("i-0"), out
    status = f"aws ec2 describe-instance-status --instance-ids {node4} " \
             "--query InstanceStatuses[0].InstanceStatus.Status --output text"
    d.wait("node-4's checks", lambda: d.sh(status, show=False)[1] == "ok", timeout=120)
    d.sh(status)
    d.sh(f"aws ssm send-command --instance-ids {node4} --document-name AWS-RunShellScript "
         "--parameters 'commands=[\"sudo /opt/runbook/setup.sh\"]' "
         "--query Command.[CommandId,Status] --output text")
    nodes = f"curl -s {d.url(2, '/_cat/nodes?h=name')}"
    d.wait("node-4 to join", lambda: "node-4" in d.sh(nodes, check=False, show=False)[1],
           timeout=180)
    d.wait("green", lambda: health_status(d, 2) == "green", timeout=180)
    d.sh(f"curl -s {d.url(2, '/_cat/health?v')}")
    d.sh(f"curl -s {d.url(4, '/_cat/nodes?v')}")
    d.sh(f"curl -s {d.url(2, '/_cat/shards?v')}")
    report = d.finish()
    assert report["outage_ms"] == 0, report["outage_ms"]


@story
def a_search_during_the_outage_fails_and_the_debrief_counts_it():
    """The trainee's own searches and indexes on the app's index count into the drill's
    traffic: a search during the outage is an error to the app, and the debrief's failed
    requests include it (the same replay without them fails that many fewer)."""
    d = Drill("search-counted", "seed-ami-trap", 1, 30)
    d.wait("yellow", lambda: health_status(d, 2) == "yellow")
    # No retries: each request the trainee sends is one request the drill counts.
    es3 = d.es(3, request_timeout=30, max_retries=0)
    found = es3.search(index="app", size=0)
    assert found["_shards"]["failed"] == 0, found
    node2 = d.instance_id("node-2")
    d.sh(f"aws ec2 create-image --instance-id {node2} --name node-2-clone")
    d.wait("node-2 to refuse", lambda: d.sh(f"curl -s -m 5 {d.url(2, '/')}",
                                            check=False, show=False)[0] == 7)
    # node-3 alone, without a master: a shard has no copy on it, the search is partial.
    partial = es3.search(index="app", size=0)
    assert partial["_shards"]["failed"] >= 1, partial
    assert partial["_shards"]["failures"][0]["reason"]["type"] == \
        "no_shard_available_action_exception", partial
    # An index waits on the no-master block for its timeout, then 503.
    rc, out = d.sh(f"curl -s -m 20 -w '\\nHTTP %{{http_code}}\\n' -XPOST "
                   f"-H 'Content-Type: application/json' -d '{{\"order\": 1}}' "
                   f"'{d.url(3, '/app/_doc?timeout=2s')}'")
    assert "HTTP 503" in out and "cluster_block_exception" in out and "no master" in out, out
    report = d.finish()
    assert report["outage_ms"] > 0, report["outage_ms"]
    # The debrief says what the trainee's requests were, and counts them.
    d.wait("the debrief", lambda: "Your app requests" in d.view(), timeout=10)
    assert "2 searches (1 failed), 1 documents indexed (1 failed)" in d.view(), \
        d.view()[-1500:]
    with open(d.replay) as f:
        replay = json.load(f)
    apps = [a for a in replay["actions"] if a["action"]["type"] == "app-requests"]
    assert sum(a["action"]["searches"] for a in apps) == 2, apps
    assert sum(a["action"]["indexes"] for a in apps) == 1, apps
    replay["actions"] = [a for a in replay["actions"] if a["action"]["type"] != "app-requests"]
    bare_path = os.path.join(d.dir, "without-app-requests.json")
    with open(bare_path, "w") as f:
        json.dump(replay, f)
    r = subprocess.run([ARGS.drill, "verify", "--json", bare_path],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    bare = json.loads(r.stdout)
    assert report["requests_failed"] == bare["requests_failed"] + 2, \
        (report["requests_failed"], bare["requests_failed"])
    assert report["requests_total"] == bare["requests_total"] + 3


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--drill", required=True)
    p.add_argument("--transcripts")
    p.add_argument("stories", nargs="*")
    ARGS = p.parse_args()
    if shutil.which("curl") is None:
        print("FAIL curl is not installed (cargo xtask setup installs it)")
        return 1
    stories = [s for s in globals().values() if callable(s) and getattr(s, "__name__", "")
               and s.__module__ == __name__ and s.__name__ in STORIES]
    for s in stories:
        if not ARGS.stories or s.__name__ in ARGS.stories:
            s()
    failed = [n for n, e in RESULTS if e is not None]
    print(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not RESULTS else 0


STORIES = [
    "the_founding_trap_typed_in_the_aws_cli_causes_the_outage_the_clients_see",
    "create_image_with_no_reboot_causes_no_outage",
    "a_stuck_stop_yields_to_force",
    "describe_instance_status_shows_3_of_3_and_failed_checks",
    "malformed_requests_get_the_real_error_shapes",
    "the_clean_path_with_only_the_aws_cli_and_curl",
    "a_search_during_the_outage_fails_and_the_debrief_counts_it",
]

if __name__ == "__main__":
    sys.exit(main())
