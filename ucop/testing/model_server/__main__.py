"""`python -m ucop.testing.model_server --port 8765 --latency 0.2`"""

from __future__ import annotations

from ucop.testing.model_server.cli import main

raise SystemExit(main())
