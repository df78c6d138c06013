"""Server-Sent Events from a run's stored events: replayed, then followed live, without holding a thread.

A stream sleeps on the event loop and checks the run's in-memory change counter (a dict lookup); it reads the store
(one indexed read, on a borrowed thread) only when the counter moved, when the run is not running in this process,
or every few seconds, so events written by another replica arrive too.
"""

from __future__ import annotations

import asyncio
import json

import anyio
from fastapi.responses import StreamingResponse

from .runs import FINISHED, Runs

KEEP_ALIVE_S = 15.0
POLL_S = 0.1  # an in-memory check
REREAD_S = 5.0  # the store, when nothing changed here


# How a route that answers with a stream says so in the OpenAPI document (else it is documented as JSON)
SSE_DOC = {"response_class": StreamingResponse,
           "responses": {200: {"description": "Server-Sent Events: one `event:` and `data:` (JSON) per step",
                               "content": {"text/event-stream": {}}}}}


def stream(runs: Runs, run_id: str, after: int = 0) -> StreamingResponse:
    async def events():
        sent, quiet, since_read = after, 0.0, 0.0
        while True:
            def read():
                info = runs.get(run_id)  # the status first: every event of a finished run is stored before it
                return info, runs.events(run_id, sent)

            seen = runs.version(run_id)
            info, rows = await anyio.to_thread.run_sync(read)
            for seq, body in rows:
                yield f"event: {body['step']}\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
                sent, quiet = seq, 0.0
            if not rows and (info is None or info.status in FINISHED):
                return
            since_read = 0.0
            while since_read < REREAD_S and seen is not None and runs.version(run_id) == seen:
                await asyncio.sleep(POLL_S)
                since_read += POLL_S
                quiet += POLL_S
                if quiet >= KEEP_ALIVE_S:
                    yield ": keep-alive\n\n"
                    quiet = 0.0
            if seen is None:  # not running here: another replica's, or about to finish
                await asyncio.sleep(POLL_S * 2)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def finished_stream(message: str, data: dict) -> StreamingResponse:
    """For a run older than the event store: one 'done' event."""
    async def one():
        yield f"event: done\ndata: {json.dumps({'step': 'done', 'message': message, 'data': data})}\n\n"

    return StreamingResponse(one(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
