"""The content layer sits below the agents and the providers: it imports neither.

Agents build on it (plans, drafts), the article checks read it (topic terms), and the
offline provider only returns the draft an agent attached; none of them is imported back.
"""

from __future__ import annotations

from tests.test_import_graph import import_graph

BELOW = ("ucop.content",)
ABOVE = ("ucop.agents", "ucop.providers", "ucop.engine", "ucop.run", "ucop.commands")


def test_content_imports_no_agent_provider_or_engine_module():
    graph = import_graph()
    content = {name: targets for name, targets in graph.items() if name.startswith(BELOW)}
    assert len(content) >= 8  # shapes, reading, sentences, structure, plan, assign, carry, ...
    upward = {
        (name, target)
        for name, targets in content.items()
        for target in targets
        if target.startswith(ABOVE)
    }
    assert upward == set()


def test_the_offline_provider_reads_no_content_and_no_agent():
    targets = import_graph()["ucop.providers.offline"]
    assert not any(t.startswith(("ucop.content", "ucop.agents")) for t in targets)
