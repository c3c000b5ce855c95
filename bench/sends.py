"""What one message costs in a warm process: the component's own time and CPU, next to the bare baseline."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from harness import BareClient, Component, Timing, incoming, median, progress

from allmysms_component.sandbox import AllMySmsSimulator

Sender = Callable[[], Timing]


@dataclass
class Pairs:
    """Interleaved sends of the same input: the component's and the baseline's, one of each per round."""

    recipients: int
    component: list[Timing] = field(default_factory=list)
    bare: list[Timing] = field(default_factory=list)

    def own(self) -> list[int]:
        return [t.own for t in self.component]

    def bare_own(self) -> list[int]:
        return [t.own for t in self.bare]

    def loopback_ratios(self) -> list[float]:
        return [c.total / b.total for c, b in zip(self.component, self.bare, strict=True)]

    def own_per_recipient(self) -> float:
        return median(self.own()) / self.recipients


def pairs(sim: AllMySmsSimulator, component: Component, bare: BareClient, recipients: int, *, rounds: int,
          warmup: int, execute: bool = False) -> Pairs:
    """``warmup + rounds`` rounds, each one component send and one bare send, swapping which goes first each
    round so that the machine's drift hits both alike; the simulator forgets what it recorded as it goes."""
    msg = incoming(recipients)
    forget_every = max(1, 2_000 // recipients)
    result = Pairs(recipients)
    gc.collect()
    for index in range(warmup + rounds):
        first_component = index % 2 == 0
        if first_component:
            mine = component.send(msg, recipients, execute=execute)
            theirs = bare.send(msg, recipients)
        else:
            theirs = bare.send(msg, recipients)
            mine = component.send(msg, recipients, execute=execute)
        if index == 0:
            component.check_like_with_like(msg)
        if index >= warmup:
            result.component.append(mine)
            result.bare.append(theirs)
        if index % forget_every == 0:
            sim.forget()
    sim.forget()
    return result


@dataclass
class Cpu:
    """CPU and wall time per message, one value per block of one-recipient sends (ns)."""

    block: int
    thread: dict[str, list[float]] = field(default_factory=lambda: {"component": [], "bare": []})
    process: dict[str, list[float]] = field(default_factory=lambda: {"component": [], "bare": []})
    wall: dict[str, list[float]] = field(default_factory=lambda: {"component": [], "bare": []})

    @property
    def sends(self) -> int:
        return self.block * len(self.thread["component"])


def cpu(sim: AllMySmsSimulator, component: Component, bare: BareClient, *, sends: int, block: int = 50) -> Cpu:
    """``sends`` sends per side in alternating blocks of ``block``, everything included (garbage collections
    too, as a long-running step pays them): the sending thread's CPU (the simulator's threads excluded), the
    whole process's, and wall time."""
    msg = incoming(1)
    senders: dict[str, Sender] = {"component": lambda: component.send(msg, 1), "bare": lambda: bare.send(msg, 1)}
    for send in senders.values():  # warm-up
        send()
        send()
    result = Cpu(block)
    gc.collect()
    for index in range(max(1, sends // block)):
        for side in ("component", "bare") if index % 2 == 0 else ("bare", "component"):
            send = senders[side]
            thread, process, wall = time.thread_time_ns(), time.process_time_ns(), time.perf_counter_ns()
            for _ in range(block):
                send()
            result.thread[side].append((time.thread_time_ns() - thread) / block)
            result.process[side].append((time.process_time_ns() - process) / block)
            result.wall[side].append((time.perf_counter_ns() - wall) / block)
        sim.forget()
    return result


@dataclass(frozen=True)
class Rounds:
    per_send: int
    variants: int    # pairs for the information-only variants: through runtime.execute, LOG_LEVEL=warn
    cpu_sends: int
    large: dict[int, int]  # recipients -> rounds


FULL = Rounds(per_send=3_000, variants=600, cpu_sends=2_000, large={2_000: 60, 10_000: 20})
QUICK = Rounds(per_send=400, variants=200, cpu_sends=600, large={2_000: 10, 10_000: 4})


@dataclass
class Results:
    per_send: Pairs
    via_execute: Pairs
    at_warn: Pairs
    large: list[Pairs]
    cpu: Cpu


def measure(sim: AllMySmsSimulator, rounds: Rounds) -> Results:
    component, bare = Component(), BareClient(sim.url)
    root = logging.getLogger()
    try:
        progress(f"own time per send, 1 recipient: {rounds.per_send} pairs")
        per_send = pairs(sim, component, bare, 1, rounds=rounds.per_send, warmup=50)
        progress(f"the same through runtime.execute, then at LOG_LEVEL=warn: {rounds.variants} pairs each")
        via_execute = pairs(sim, component, bare, 1, rounds=rounds.variants, warmup=20, execute=True)
        level = root.level
        root.setLevel(logging.WARNING)  # what LOG_LEVEL=warn sets
        try:
            at_warn = pairs(sim, component, bare, 1, rounds=rounds.variants, warmup=20)
        finally:
            root.setLevel(level)
        large = []
        for recipients, count in rounds.large.items():
            progress(f"own time per recipient, {recipients:,} recipients: {count} pairs")
            large.append(pairs(sim, component, bare, recipients, rounds=count, warmup=2))
        progress(f"CPU per message: {rounds.cpu_sends:,} one-recipient sends per side")
        spent = cpu(sim, component, bare, sends=rounds.cpu_sends)
    finally:
        bare.close()
    return Results(per_send, via_execute, at_warn, large, spent)
