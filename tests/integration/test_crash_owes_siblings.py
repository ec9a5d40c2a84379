"""A run killed (not stopped) after committing a notice, before its siblings were told, must not
lose them: the restart tells them.

Three nodes join one pool (A, B, C); A gets an interruption notice. Its siblings are told once the
fleet and signals inputs have passed the notice, a grace after (decisions.input_grace_ms, long
here). Run 1 reads the notice, decides A's EVACUATE, commits what it may (every
runtime.commit_interval_ms) and is killed with SIGKILL within the grace. Run 2 must drain B and C,
as one uninterrupted run does (a reference run on a fresh broker); a repeat of run 1's decisions
is allowed (at-least-once), a missing DRAIN is not. The notice holds its offset until its
siblings' decisions are delivered (docs/scaling-and-delivery.md); without that, run 1 committed
past the notice, run 2 took it as handled and drained nobody.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import ProcessGroup, decisions_of, poll_topic, read_topic, run_main  # noqa: E402
from test_stop_owes_siblings import (DECISIONS, RUN, produce_joins_and_notice, reference, summary_of,  # noqa: E402
                                     wait_ok)


def main():
    with ProcessGroup("spotstream-crash-owes-") as pg:
        broker, addr = pg.start_broker("broker")
        run1 = pg.spotstream("run1", "run", "--brokers", addr, *RUN, "--set", "decisions.input_grace_ms=600000")
        run1.wait_stderr(r"assigned \d+ partition", 30)
        produce_joins_and_notice(addr, pg.dir)
        poll_topic(addr, DECISIONS, lambda rs: any(d["decision"] == "EVACUATE" for d in decisions_of(rs)), 60,
                   "run 1's EVACUATE for node-a")
        time.sleep(3)  # a few commit intervals: the notice's offset is committed
        run1.kill()
        run2 = pg.spotstream("run2", "run", "--brokers", addr, *RUN, "--set", "runtime.idle_exit_ms=3000")
        wait_ok(run2, 120)
        decisions = decisions_of(read_topic(addr, DECISIONS))
        assert broker.stop() == 0
        ref = reference(pg, late_leave=False)
        got, want = set(d["decision_id"] for d in decisions), set(d["decision_id"] for d in ref)
        assert got == want, "the killed and restarted runs differ from one uninterrupted run:\n%s\n%s" % (
            summary_of(decisions), summary_of(ref))
        print("the same %d decisions as one uninterrupted run (%d published, repeats allowed)" % (
            len(want), len(decisions)))


if __name__ == "__main__":
    run_main(main)
