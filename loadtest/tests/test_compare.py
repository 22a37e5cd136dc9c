"""The orchestration's own logic: settings, stages skipped or failed, the reports folder."""

from pathlib import Path

import pytest
from loadtest.shops import Cores, remote_shops
from loadtest.stages import Stage
from loadtest.stages.context import Context, Progress, Settings, requests_per_action

from loadtest import compare


def test_settings_from_the_environment() -> None:
    default = compare.settings_from_environment({})
    assert default == Settings()
    assert default.stores == "postgres" and default.capacity_users == (1, 4, 16, 32, 64)
    quick = compare.settings_from_environment({"QUICK": "1", "STORES": "embedded",
                                               "USERS": "1,2", "MIX": "browse"})
    assert quick.quick and quick.rounds == 1 and quick.stores == "embedded"
    assert quick.capacity_users == (1, 2) and quick.mix == "browse"
    assert compare.settings_from_environment({"QUICK": "0"}).quick is False
    with pytest.raises(SystemExit):
        compare.settings_from_environment({"STORES": "oracle"})


def _remote_context() -> Context:
    shops = remote_shops("http://127.0.0.1:1", "http://127.0.0.1:2", "a@example.com", "pw")
    return Context(shops, Settings.quick_settings(), Cores(None, None), Path("."), {},
                   Progress(0.0))


def test_remote_shops_skip_the_stages_that_need_local_processes(capsys) -> None:
    ran = []

    def measured(_ctx: Context) -> dict:
        ran.append("load")
        return {"status": "ok"}

    def broken(_ctx: Context) -> dict:
        raise RuntimeError("the shop went away")

    stages = [Stage("capacity", "capacity", measured, lambda _c: 0.0),
              Stage("restart", "restart", measured, lambda _c: 0.0, needs_local=True),
              Stage("equal_load", "equal load", broken, lambda _c: 0.0)]
    results: dict = {"skipped": []}
    compare._run_stages(_remote_context(), stages, results)
    assert ran == ["load"]
    assert results["capacity"]["status"] == "ok"
    assert results["restart"]["status"] == "skipped"
    assert results["skipped"] == [{"stage": "restart",
                                   "reason": "needs the shops' processes on this machine"}]
    assert results["equal_load"] == {"status": "failed", "seconds": results["equal_load"]
                                     ["seconds"], "reason": "RuntimeError: the shop went away"}
    assert "skipped (remote shops)" in capsys.readouterr().out


def test_each_run_gets_a_folder_and_latest_points_at_it(tmp_path: Path) -> None:
    first = compare._report_dir(tmp_path)
    second_base = tmp_path / "again"
    second = compare._report_dir(second_base)
    assert (second_base / "latest").resolve() == second.resolve()
    assert (tmp_path / "latest").is_symlink() and (tmp_path / "latest").resolve() == first


def test_a_checkout_sends_two_requests() -> None:
    assert requests_per_action("browse") == 1.0
    assert requests_per_action("default") == pytest.approx(1 + 5 / 105)
