import json as jsonlib  # `json` is the name of the --json option below

from django.core.management.base import BaseCommand

from apps.instances.load import ENDPOINTS, LoadGroup, run_load
from apps.instances.management.commands.marketo_call import find_instance
from apps.marketo.governor import Priority


class Command(BaseCommand):
    help = (
        "Drive load through the real client and governor from several processes, and print "
        "what happened: calls, answers by code, most calls in 20 s, admission waits."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--instance", required=True)
        parser.add_argument("--processes", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--seconds", type=float, default=30)
        parser.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="leads")
        parser.add_argument("--priority", choices=[p.value for p in Priority], default="background")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(
        self, *args, instance, processes, threads, seconds, endpoint, priority, json, **options
    ) -> None:
        target = find_instance(instance)
        self.stderr.write(
            f"{processes} process(es) x {threads} thread(s), {seconds:.0f} s of {endpoint} "
            f"calls on {target.name} at {priority} priority…"
        )
        (result,) = run_load(
            instance_id=target.pk,
            groups=[LoadGroup(processes=processes, threads=threads, priority=priority)],
            seconds=seconds,
            endpoint=endpoint,
        )
        summary = result.summary()
        if json:
            self.stdout.write(jsonlib.dumps(summary, indent=2))
            return
        waits = summary["admission_wait_ms"]
        self.stdout.write(f"calls made:          {summary['calls']}")
        self.stdout.write(f"answers:             {summary['answers']}")
        self.stdout.write(
            f"most calls in 20 s:  {summary['max_calls_in_20s']} (budget {target.calls_per_20s})"
        )
        self.stdout.write(
            f"admission wait (ms): p50 {waits['p50']}  p95 {waits['p95']}  max {waits['max']}"
        )
        self.stdout.write(f"identity calls:      {summary['identity_calls']}")
