"""The load: simulated conversations over the REST channel (POST /webhooks/rest/webhook).

Each parent talks one turn at a time: the next message goes as soon as the reply has arrived (no
typing pause, so the figures are what the servers hold with that many conversations open). Each
conversation has its own sender id and its own HTTP connection (kept alive for its turns); when it
ends, its parent starts a new one with a new sender id and a new connection.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from tools.benchmark.workload import ENGLISH, Utterance

REQUEST_TIMEOUT = 60.0  # seconds; a request that takes longer counts as an error
FAILED_TURN_PAUSE = 0.2  # seconds; no tight loop against a failing server

Conversation = Callable[[random.Random], List[Utterance]]
Judge = Callable[[Utterance, List[str]], bool]  # whether these reply texts are right for the utterance


@dataclass
class Turn:
    started: float
    ended: float
    answered: bool  # HTTP 200 with a JSON list (the reply may still be wrong)
    right: bool  # answered, and the reply expected (workload.reply_is_right)
    error: Optional[str] = None  # why not answered, or what was wrong
    kind: str = ""  # greet, topic, fever, ...
    language: str = ENGLISH


def wrong_reply_error(utterance: Utterance, texts: List[str]) -> str:
    """How a wrong reply is counted in a level's error kinds; Spanish turns apart from English."""
    prefix = "" if utterance.language == ENGLISH else f"{utterance.language} "
    return f"{prefix}{utterance.kind}: {'no reply' if not texts else 'unexpected reply'}"


async def drive(
    url: str, conversation: Conversation, judge: Judge, concurrency: int, ramp: float, duration: float, tag: str
) -> Tuple[List[Turn], float, float]:
    """`concurrency` parents talk to `url` for ramp + duration seconds. Returns every turn and the
    measured window (start, end) in the loop's clock."""
    import aiohttp

    loop = asyncio.get_running_loop()
    window_start = loop.time() + ramp
    window_end = window_start + duration
    turns: List[Turn] = []
    endpoint = f"{url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def parent(index: int) -> None:
        rng = random.Random(f"{tag}-{index}")
        number = 0
        while loop.time() < window_end:
            sender = f"bench-{tag}-{index}-{number}"
            number += 1
            # each conversation on its own connection (kept alive for its turns), like a parent's phone
            async with aiohttp.ClientSession(timeout=timeout) as session:
                if not await talk(session, sender, conversation(rng)):
                    return

    async def talk(session, sender: str, script: List[Utterance]) -> bool:
        """One conversation's turns; False once the window has ended."""
        for utterance in script:
            if loop.time() >= window_end:
                return False
            started = loop.time()
            answered = right = False
            error = None
            try:
                async with session.post(endpoint, json={"sender": sender, "message": utterance.text}) as response:
                    body = await response.json(content_type=None)
                    answered = response.status == 200 and isinstance(body, list)
                    if not answered:
                        error = f"HTTP {response.status}"
                    else:
                        texts = [m.get("text") or "" for m in body if isinstance(m, dict)]
                        right = judge(utterance, texts)
                        error = None if right else wrong_reply_error(utterance, texts)
            except Exception as exc:  # a refused connection, a timeout, a body that is not JSON
                error = type(exc).__name__
            turns.append(Turn(started, loop.time(), answered, right, error, utterance.kind, utterance.language))
            if not answered:
                await asyncio.sleep(FAILED_TURN_PAUSE)
        return True

    tasks = [asyncio.ensure_future(parent(i)) for i in range(concurrency)]
    done, pending = await asyncio.wait(tasks, timeout=ramp + duration + REQUEST_TIMEOUT + 10)
    for task in pending:
        task.cancel()
    for task in done:
        failure = task.exception()
        if failure:
            raise failure
    return turns, window_start, window_end
