"""CPU and memory accounting against real child processes."""

import subprocess
import sys
import time

import pytest
from loadtest.sampler import Component, Sampler

from loadtest import procfs

BURN = ("import time, sys\n"
        "end = time.process_time() + float(sys.argv[1])\n"
        "while time.process_time() < end: pass\n"
        "print('done', flush=True)\n"
        "time.sleep(60)\n")
HOLD = ("import sys, time\n"
        "block = bytearray(int(sys.argv[1]) * 1024 * 1024)\n"
        "for i in range(0, len(block), 4096): block[i] = 1\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n")
PARENT = ("import subprocess, sys, time\n"
          "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
          "print(child.pid, flush=True)\n"
          "time.sleep(60)\n")


def _start(code: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


@pytest.fixture
def children():
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_cpu_seconds_of_a_busy_child(children) -> None:
    child, _ = _start(BURN, "0.4")
    children.append(child)
    used = procfs.cpu_seconds(child.pid)
    assert 0.35 <= used < 2.0


def test_rss_and_pss_of_a_child_holding_memory(children) -> None:
    child, _ = _start(HOLD, "64")
    children.append(child)
    memory = procfs.memory(child.pid)
    assert memory.rss_bytes >= 64 * 1024 * 1024
    assert 64 * 1024 * 1024 <= memory.pss_bytes <= memory.rss_bytes


def test_tree_finds_grandchildren_and_sums_their_memory(children) -> None:
    parent, grandchild = _start(PARENT)
    children.append(parent)
    pids = procfs.tree(parent.pid)
    assert set(pids) == {parent.pid, int(grandchild)}
    total = procfs.read_memory(pids)
    assert total.rss_bytes > procfs.memory(parent.pid).rss_bytes


def test_sampler_measures_cpu_within_a_window(children) -> None:
    child = subprocess.Popen([sys.executable, "-c", BURN, "0.5"], stdout=subprocess.PIPE,
                             text=True)
    children.append(child)
    sampler = Sampler([Component("burner", "test", "services", lambda: [child.pid])],
                      interval=0.05).start()
    started = time.time()
    assert child.stdout is not None
    child.stdout.readline()
    ended = time.time()
    time.sleep(0.2)
    sampler.stop()
    used = sampler.cpu_between(started, ended)["burner"]
    assert 0.4 <= used < 2.0
    assert sampler.memory_between(started, ended)["burner"].rss_bytes > 0


def test_exited_processes_are_left_out() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert procfs.read_cpu([gone.pid]) == {}
    assert procfs.read_memory([gone.pid]) == procfs.NO_MEMORY


def test_cpu_between_interpolates_between_samples() -> None:
    from loadtest.procfs import NO_MEMORY
    from loadtest.sampler import Sample

    sampler = Sampler([Component("app", "test", "services", lambda: [])])
    sampler.samples = [Sample(10.0, {"app": 1.0}, {"app": NO_MEMORY}),
                       Sample(12.0, {"app": 3.0}, {"app": NO_MEMORY}),
                       Sample(14.0, {"app": 3.0}, {"app": NO_MEMORY})]
    assert sampler.cpu_between(11.0, 13.0)["app"] == pytest.approx(1.0)
    assert sampler.cpu_between(10.0, 14.0)["app"] == pytest.approx(2.0)
    assert sampler.cpu_between(5.0, 20.0)["app"] == pytest.approx(2.0)
