#!/usr/bin/env python3
"""Prepare the alerting rules rendered by the charts for promtool (scripts/charts.sh runs this).

    scripts/charts-alerts.py RENDERED.yaml OUTDIR

RENDERED.yaml: the umbrella rendered for city 350100 (namespace qc-350100) with
global.prometheusRule.enabled=true and global.prometheusRule.runbookBaseUrl=BASE below.
Writes OUTDIR/rules.yaml (the groups of every PrometheusRule, as Prometheus reads them)
and OUTDIR/tests.yaml (the unit tests below, for `promtool test rules`), after checking
what promtool cannot: each service's group holds the alerts it should, each alert has
severity, summary, description and a runbook_url whose anchor is a heading of
docs/runbook.md. Prints the number of groups, rules and test cases.

Each alert has at least one case that fires, with its exact labels and annotations,
and one that does not, on synthetic series named as in the metrics contract
(docs/runbook.md, Metrics). Series carry the labels a ServiceMonitor adds (namespace,
job = the Service's name, pod).
"""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "docs" / "runbook.md"
BASE = "https://runbook.test/runbook.md"
NS = "qc-350100"
COMMON = ["QcHighErrorRatio", "QcHighLatencyP99", "QcConsumerLagGrowing", "QcEventsDeadLettered",
          "QcDeadLettersPresent", "QcOutboxBacklogOld", "QcDbPoolSaturated", "QcPodRestarts",
          "QcDependencyDown"]
OWN = {"subsidy-payment": ["QcLedgerAuditFailing"], "skill-assessment": ["QcStatusListStale"]}


def labels(service, severity, **extra):
    return {"severity": severity, "service": service, "city": "350100", **extra}


def annotations(alert, summary, description):
    return {"summary": summary, "description": description,
            "runbook_url": f"{BASE}#{alert.lower()}"}


def sel(job, **more):
    """A series selector with the labels the ServiceMonitor adds."""
    parts = {"namespace": NS, "job": job, "pod": f"{job}-5d8c7b9f4-x2x7q", **more}
    return "{" + ", ".join(f'{k}="{v}"' for k, v in parts.items()) + "}"


def test(alert, series, cases, interval="1m"):
    return {"interval": interval,
            "input_series": [{"series": s, "values": v} for s, v in series],
            "alert_rule_test": [{"eval_time": t, "alertname": alert, "exp_alerts": exp} for t, exp in cases]}


DC, TD, SP, SA = "demand-catalog", "training-delivery", "subsidy-payment", "skill-assessment"
HTTP = dict(method="GET", route="/v1/catalogues")
DLQ_TOPIC = "catalog.entries.v1"


def tests():
    t = []
    # 5xx ratio: 20 of every 100 requests fail; /healthz failures do not count.
    t.append(test("QcHighErrorRatio", [
        ("qc_http_requests_total" + sel(DC, status="200", **HTTP), "0+80x30"),
        ("qc_http_requests_total" + sel(DC, status="500", **HTTP), "0+20x30"),
    ], [("4m", []), ("15m", [{
        "exp_labels": labels(DC, "critical", namespace=NS, job=DC),
        "exp_annotations": annotations("QcHighErrorRatio",
                                       "demand-catalog's 5xx ratio is above 0.05",
                                       f"20% of demand-catalog's requests in {NS} failed with a 5xx over the last 5m."),
    }])]))
    t.append(test("QcHighErrorRatio", [
        ("qc_http_requests_total" + sel(DC, status="200", **HTTP), "0+99x30"),
        ("qc_http_requests_total" + sel(DC, status="500", **HTTP), "0+1x30"),
        ("qc_http_requests_total" + sel(DC, status="500", method="GET", route="/healthz"), "0+500x30"),
    ], [("20m", [])]))
    # p99 latency: every request between 1 s and 2.5 s, then all under 0.5 s.
    slow = [("0.5", "0x30"), ("1", "0x30"), ("2.5", "0+10x30"), ("+Inf", "0+10x30")]
    t.append(test("QcHighLatencyP99", [
        ("qc_http_request_duration_seconds_bucket" + sel(DC, le=le, **HTTP), v) for le, v in slow
    ], [("8m", []), ("20m", [{
        "exp_labels": labels(DC, "warning", namespace=NS, job=DC),
        "exp_annotations": annotations("QcHighLatencyP99", "demand-catalog's p99 latency is above 1s",
                                       f"The 99th percentile of demand-catalog's request latency in {NS} is 2.485s over the last 5m."),
    }])]))
    fast = [("0.5", "0+10x30"), ("1", "0+10x30"), ("2.5", "0+10x30"), ("+Inf", "0+10x30")]
    t.append(test("QcHighLatencyP99", [
        ("qc_http_request_duration_seconds_bucket" + sel(DC, le=le, **HTTP), v) for le, v in fast
    ], [("20m", [])]))
    # consumer lag: growing by 10 a minute on one partition; steady lag does not fire.
    lag = dict(consumer="delivery-catalogue", topic=DLQ_TOPIC)
    t.append(test("QcConsumerLagGrowing", [
        ("qc_consumer_lag" + sel(TD, partition="0", **lag), "0+10x60"),
        ("qc_consumer_lag" + sel(TD, partition="1", **lag), "0x60"),
    ], [("20m", []), ("30m", [{
        "exp_labels": labels(TD, "warning", namespace=NS, job=TD, **lag),
        "exp_annotations": annotations(
            "QcConsumerLagGrowing",
            f"training-delivery's consumer delivery-catalogue falls behind on {DLQ_TOPIC}",
            f"300 messages of {DLQ_TOPIC} wait for training-delivery's consumer delivery-catalogue in {NS}; the lag grew over the last 10m."),
    }])]))
    t.append(test("QcConsumerLagGrowing", [
        ("qc_consumer_lag" + sel(TD, partition="0", **lag), "500x60"),
    ], [("40m", [])]))
    # events dead-lettered: one at minute 11.
    t.append(test("QcEventsDeadLettered", [
        ("qc_events_consumed_total" + sel(TD, outcome="dead_lettered", **lag), "0x10 1x20"),
        ("qc_events_consumed_total" + sel(TD, outcome="processed", **lag), "0+5x30"),
    ], [("8m", []), ("20m", [{
        "exp_labels": labels(TD, "warning", namespace=NS, job=TD, **lag),
        "exp_annotations": annotations(
            "QcEventsDeadLettered",
            f"training-delivery's consumer delivery-catalogue dead-lettered events of {DLQ_TOPIC}",
            f"training-delivery's consumer delivery-catalogue in {NS} gave up on 1 event(s) of {DLQ_TOPIC} in the last 15m; they wait in {DLQ_TOPIC}.dlq."),
    }])]))
    t.append(test("QcEventsDeadLettered", [
        ("qc_events_consumed_total" + sel(TD, outcome="dead_lettered", **lag), "0x30"),
        ("qc_events_consumed_total" + sel(TD, outcome="retried", **lag), "0+5x30"),
    ], [("20m", [])]))
    # dead letters present: both replicas sample the same dead-letter topic (3 records).
    t.append(test("QcDeadLettersPresent", [
        ("qc_dead_letter_messages" + sel(TD, topic=DLQ_TOPIC), "0x5 3x30"),
        ("qc_dead_letter_messages" + sel(TD, topic=DLQ_TOPIC).replace("x2x7q", "h8k2m"), "0x5 3x30"),
        ("qc_dead_letter_messages" + sel(TD, topic="registry.venues.v1"), "0x35"),
    ], [("12m", []), ("20m", [{
        "exp_labels": labels(TD, "warning", namespace=NS, job=TD, topic=DLQ_TOPIC),
        "exp_annotations": annotations(
            "QcDeadLettersPresent",
            f"{DLQ_TOPIC}.dlq holds dead letters (training-delivery consumes {DLQ_TOPIC})",
            f"3 message(s) are retained in {DLQ_TOPIC}.dlq in {NS} (replayed ones count until the dead-letter retention removes them)."),
    }])]))
    t.append(test("QcDeadLettersPresent", [
        ("qc_dead_letter_messages" + sel(TD, topic=DLQ_TOPIC), "0x30"),
    ], [("20m", [])]))
    # outbox backlog: the oldest unsent row ages a minute a minute; a busy outbox that drains does not fire.
    t.append(test("QcOutboxBacklogOld", [
        ("qc_outbox_oldest_pending_age_seconds" + sel(DC), "0+60x30"),
    ], [("9m", []), ("20m", [{
        "exp_labels": labels(DC, "warning", namespace=NS, job=DC),
        "exp_annotations": annotations(
            "QcOutboxBacklogOld", "demand-catalog's outbox holds an event unpublished for over 300s",
            f"The oldest unsent outbox row of demand-catalog in {NS} is 20m 0s old: its events do not reach the broker."),
    }])]))
    t.append(test("QcOutboxBacklogOld", [
        ("qc_outbox_oldest_pending_age_seconds" + sel(DC), "0 2 0 3 1 0 0 2 0 1 0 0 2 0 0 1 0 0 0 2 0"),
    ], [("20m", [])]))
    # database pool: 15 of 16 connections in use; then checkouts timing out.
    pool_fired = {
        "exp_labels": labels(SP, "warning", namespace=NS, job=SP, pod=f"{SP}-5d8c7b9f4-x2x7q"),
        "exp_annotations": annotations(
            "QcDbPoolSaturated", f"subsidy-payment's database pool is saturated in {SP}-5d8c7b9f4-x2x7q",
            f"{SP}-5d8c7b9f4-x2x7q (subsidy-payment, {NS}) uses at least 0.9 of its database connections, or a checkout timed out in the last 5m."),
    }
    t.append(test("QcDbPoolSaturated", [
        ("qc_db_pool_connections" + sel(SP, state="in_use"), "15x30"),
        ("qc_db_pool_connections" + sel(SP, state="idle"), "1x30"),
        ("qc_db_pool_max_connections" + sel(SP), "16x30"),
        ("qc_db_pool_timeouts_total" + sel(SP), "0x30"),
    ], [("5m", []), ("15m", [pool_fired])]))
    t.append(test("QcDbPoolSaturated", [
        ("qc_db_pool_connections" + sel(SP, state="in_use"), "2x30"),
        ("qc_db_pool_max_connections" + sel(SP), "16x30"),
        ("qc_db_pool_timeouts_total" + sel(SP), "0+1x30"),
    ], [("20m", [pool_fired])]))
    t.append(test("QcDbPoolSaturated", [
        ("qc_db_pool_connections" + sel(SP, state="in_use"), "4x30"),
        ("qc_db_pool_connections" + sel(SP, state="idle"), "12x30"),
        ("qc_db_pool_max_connections" + sel(SP), "16x30"),
        ("qc_db_pool_timeouts_total" + sel(SP), "0x30"),
    ], [("20m", [])]))
    # pod restarts (kube-state-metrics): the service's container, not the migration Job's.
    pod = "demand-catalog-5d8c7b9f4-x2x7q"
    ksm = '{namespace="%s", pod="%s", container="%s"}'
    t.append(test("QcPodRestarts", [
        ("kube_pod_container_status_restarts_total" + ksm % (NS, pod, DC), "0+1x40"),
    ], [("1m", []), ("35m", [{
        "exp_labels": labels(DC, "warning", namespace=NS, pod=pod, container=DC),
        "exp_annotations": annotations("QcPodRestarts", f"demand-catalog's pod {pod} keeps restarting",
                                       f"{pod} in {NS} restarted 30 times in the last 30m."),
    }])]))
    t.append(test("QcPodRestarts", [
        ("kube_pod_container_status_restarts_total" + ksm % (NS, pod, DC), "1x40"),
        ("kube_pod_container_status_restarts_total" + ksm % (NS, "demand-catalog-migrate-8xk2p", "migrate"), "0+1x40"),
        ("kube_pod_container_status_restarts_total" + ksm % ("qc-350200", pod, DC), "0+1x40"),
    ], [("35m", [])]))
    # dependency down: Redis down for every pod; down for one pod only does not fire.
    other = sel(DC, dependency="redis").replace("x2x7q", "h8k2m")
    t.append(test("QcDependencyDown", [
        ("qc_dependency_up" + sel(DC, dependency="redis"), "0x20"),
        ("qc_dependency_up" + other, "0x20"),
        ("qc_dependency_up" + sel(DC, dependency="database"), "1x20"),
    ], [("3m", []), ("10m", [{
        "exp_labels": labels(DC, "critical", namespace=NS, job=DC, dependency="redis"),
        "exp_annotations": annotations(
            "QcDependencyDown", "demand-catalog cannot reach its redis",
            f"No pod of demand-catalog in {NS} reaches its redis (qc_dependency_up, from the readiness checks)."),
    }])]))
    t.append(test("QcDependencyDown", [
        ("qc_dependency_up" + sel(DC, dependency="redis"), "0x20"),
        ("qc_dependency_up" + other, "1x20"),
    ], [("10m", [])]))
    # ledger audit (subsidy-payment): unbalanced; then balanced but last run 27 h ago.
    ledger_fired = {
        "exp_labels": labels(SP, "critical", namespace=NS, job=SP),
        "exp_annotations": annotations(
            "QcLedgerAuditFailing", "The subsidy ledger audit fails, or has not run",
            f"The ledger audit of subsidy-payment in {NS} found an account that differs from its postings, or its last run is over 93600s old."),
    }
    t.append(test("QcLedgerAuditFailing", [
        ("qc_ledger_audit_balanced" + sel(SP), "1 1 0 0 0"),
        ("qc_ledger_audit_last_run_timestamp_seconds" + sel(SP), "0+60x4"),
    ], [("1m", []), ("3m", [ledger_fired])]))
    t.append(test("QcLedgerAuditFailing", [
        ("qc_ledger_audit_balanced" + sel(SP), "1x30"),
        ("qc_ledger_audit_last_run_timestamp_seconds" + sel(SP), "0x30"),
    ], [("25h", []), ("27h", [ledger_fired])], interval="1h"))
    t.append(test("QcLedgerAuditFailing", [
        ("qc_ledger_audit_balanced" + sel(SP), "1x30"),
        ("qc_ledger_audit_last_run_timestamp_seconds" + sel(SP), "0+3600x30"),
        # another service's series never reach this rule
        ("qc_ledger_audit_balanced" + sel(DC), "0x30"),
    ], [("27h", [])], interval="1h"))
    # certificate status list (skill-assessment): last published at time 0.
    t.append(test("QcStatusListStale", [
        ("qc_status_list_published_timestamp_seconds" + sel(SA), "0x180"),
    ], [("50m", []), ("2h", [{
        "exp_labels": labels(SA, "warning", namespace=NS, job=SA),
        "exp_annotations": annotations(
            "QcStatusListStale", "The certificate status (revocation) list is stale",
            f"skill-assessment in {NS} last published the certificate status list 2h 0m 0s ago: a revocation since then may not reach verifiers."),
    }])]))
    t.append(test("QcStatusListStale", [
        ("qc_status_list_published_timestamp_seconds" + sel(SA), "0+60x180"),
    ], [("2h", [])]))
    return t


def anchors(markdown):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as '-'."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).lower())
            out.add(text.replace(" ", "-"))
    return out


def main():
    rendered, outdir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    groups, problems = [], []
    docs = [d for d in yaml.safe_load_all(rendered.read_text()) if d]
    known = anchors(RUNBOOK.read_text()) if RUNBOOK.exists() else set()
    if not known:
        problems.append(f"{RUNBOOK.relative_to(ROOT)} is missing or has no headings")
    for d in docs:
        if d.get("kind") != "PrometheusRule":
            continue
        service = d["metadata"]["name"]
        for g in d["spec"]["groups"]:
            groups.append(g)
            names = [r.get("alert") for r in g["rules"]]
            if names != COMMON + OWN.get(service, []):
                problems.append(f"{service}: alerts {names}, expected {COMMON + OWN.get(service, [])}")
            for r in g["rules"]:
                where = f"{service}: {r.get('alert')}"
                if not (r.get("labels") or {}).get("severity"):
                    problems.append(f"{where}: no severity label")
                ann = r.get("annotations") or {}
                for key in ("summary", "description", "runbook_url"):
                    if not ann.get(key):
                        problems.append(f"{where}: no {key} annotation")
                url = ann.get("runbook_url", "")
                if not url.startswith(BASE + "#"):
                    problems.append(f"{where}: runbook_url {url!r} does not start with {BASE}#")
                elif url.split("#", 1)[1] not in known:
                    problems.append(f"{where}: docs/runbook.md has no heading for #{url.split('#', 1)[1]}")
    if not groups:
        problems.append(f"{rendered}: no PrometheusRule rendered")
    if problems:
        sys.exit("\n".join(problems))
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    cases = tests()
    (outdir / "tests.yaml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": cases}, sort_keys=False))
    tested = {c["alert_rule_test"][0]["alertname"] for c in cases}
    missing = sorted(set(COMMON + [a for own in OWN.values() for a in own]) - tested)
    if missing:
        sys.exit(f"alerts without a test: {missing}")
    n_cases = sum(len(c["alert_rule_test"]) for c in cases)
    print(len(groups), sum(len(g["rules"]) for g in groups), n_cases)


if __name__ == "__main__":
    main()
