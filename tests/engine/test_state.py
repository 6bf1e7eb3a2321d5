"""Shared state under many threads: no lost, interleaved or repeated writes."""

from __future__ import annotations

import threading

import pytest

from ucop.engine.state import SharedState, freeze, thaw


def test_many_threads_writing_their_own_outputs_lose_nothing():
    state = SharedState()
    threads, per_thread = 32, 300
    barrier = threading.Barrier(threads)

    def writer(t):
        barrier.wait()
        for i in range(per_thread):
            state.write(f"t{t}-{i}", {"thread": t, "i": i, "payload": list(range(i % 7))})

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    snapshot = state.snapshot()
    assert len(snapshot) == threads * per_thread
    for t in range(threads):
        for i in range(per_thread):
            value = snapshot[f"t{t}-{i}"]
            assert value["thread"] == t and value["i"] == i
            assert value["payload"] == tuple(range(i % 7))


def test_concurrent_duplicate_writes_let_exactly_one_win():
    state = SharedState()
    threads = 32
    barrier = threading.Barrier(threads)
    errors = []

    def writer(t):
        barrier.wait()
        try:
            state.write("same", t)
        except RuntimeError as exc:
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(errors) == threads - 1
    assert state.get("same") in range(threads)


def test_views_are_read_only_all_the_way_down():
    state = SharedState()
    state.write("a", {"list": [1, {"x": 2}], "d": {"k": "v"}})
    view = state.view(["a"])
    with pytest.raises(TypeError):
        view["a"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        view["a"]["d"]["k"] = "changed"
    with pytest.raises(AttributeError):
        view["a"]["list"].append(3)
    assert view["a"]["list"][1]["x"] == 2


def test_a_writer_cannot_change_a_value_after_writing_it():
    state = SharedState()
    original = {"items": [1, 2]}
    state.write("a", original)
    original["items"].append(3)
    assert state.get("a")["items"] == (1, 2)


def test_thaw_gives_back_plain_json_data():
    data = {"a": [1, {"b": (2, 3)}], "c": "d"}
    assert thaw(freeze(data)) == {"a": [1, {"b": [2, 3]}], "c": "d"}


def test_view_of_a_missing_output_is_none():
    state = SharedState()
    state.write("ok", 1)
    assert dict(state.view(["ok", "failed"])) == {"ok": 1, "failed": None}
