"""``python -m generation demo``: start the service, generate an image, edit it twice, print where they are.

It talks to the service over real HTTP, as the bot does, and shows what each step returns.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web

from atelier.config import Config
from generation.api.keys import STORE
from generation.service import build_service

STEPS = [
    ("generate", {"prompt": "a lighthouse on a cliff at dusk, oil painting", "seed": 7}),
    ("edit", {"prompt": "a lighthouse on a cliff at night, oil painting, moonlight", "strength": 0.5}),
    ("edit", {"prompt": "a lighthouse on a cliff at night, oil painting, moonlight, snow", "strength": 0.6}),
]


async def run_demo(config: Config) -> int:
    # An ephemeral port, so the demo never collides with a service already running on the configured one.
    config = config.with_overrides(service={"host": "127.0.0.1", "port": 0})
    app = build_service(config)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {config.service.token}"} if config.service.token else {}
    try:
        async with aiohttp.ClientSession(base, headers=headers) as http:
            async with http.get("/healthz") as response:
                health = await response.json()
            print(f"service: {base}  model: {health['model']} on {health['device']}")
            if health.get("note"):
                print(f"note: {health['note']}")
            parent = None
            for number, (kind, body) in enumerate(STEPS, start=1):
                payload = {**body, "parent": parent} if kind == "edit" else body
                async with http.post(f"/v1/{kind}", json=payload) as response:
                    result = await response.json()
                if response.status != 200:
                    print(f"{kind} failed: {result['error']['message']}")
                    return 1
                image = result["images"][0]
                parent = image["id"]
                path = app[STORE].path_for(parent)
                print(f"#{number} {kind:8} {result['timings']['total_ms']:>6} ms  {path}")
            async with http.get(f"/v1/images/{parent}/provenance") as response:
                report = await response.json()
            chain = " <- ".join(entry["image"] or entry["title"] for entry in report["chain"])
            print(
                f"provenance of #{len(STEPS)}: {report['validation_state']} ({report['trusted_by']}); parents: {chain}"
            )
    finally:
        await runner.cleanup()
    return 0
