"""The benchmark's load driver (tools/benchmark/load.py) against a stand-in REST channel: each
parent talks one turn at a time, one sender id per conversation, and every turn is judged."""

import asyncio

from aiohttp import web

from tools.benchmark.load import drive
from tools.benchmark.workload import Utterance, reply_is_right
from tools.local_services import free_port

SCRIPT = [Utterance("hi", "greet"), Utterance("temp is 39.1", "fever"), Utterance("thanks", "thanks")]


def run_against(reply, concurrency=3, ramp=0.2, duration=0.6):
    """Drives a stand-in channel that answers with `reply(message)`: (status, body). Returns the
    turns, the measured window and the (sender, message) pairs the channel received, in order."""
    received = []

    async def webhook(request):
        payload = await request.json()
        received.append((payload["sender"], payload["message"]))
        await asyncio.sleep(0.01)
        status, body = reply(payload["message"])
        return web.json_response(body, status=status)

    async def main():
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            return await drive(
                f"http://127.0.0.1:{port}",
                lambda rng: list(SCRIPT),
                reply_is_right,
                concurrency,
                ramp,
                duration,
                "test",
            )
        finally:
            await runner.cleanup()

    turns, start, end = asyncio.run(main())
    return turns, (start, end), received


def test_each_conversation_has_its_own_sender_and_says_its_turns_in_order():
    turns, (start, end), received = run_against(lambda message: (200, [{"text": "Call now: (555) 010-0123."}]))
    assert round(end - start, 3) == 0.6
    assert turns and all(t.answered and t.right and t.error is None for t in turns)
    by_sender = {}
    for sender, message in received:
        by_sender.setdefault(sender, []).append(message)
    assert {sender.rsplit("-", 2)[1] for sender in by_sender} == {"0", "1", "2"}  # three parents
    for messages in by_sender.values():
        assert messages == [u.text for u in SCRIPT][: len(messages)]
    assert len(by_sender) > 3  # each parent started a new conversation after its third turn


def test_a_fever_report_without_call_now_is_a_wrong_reply_and_a_failed_request_an_error():
    turns, _, _ = run_against(lambda message: (200, [{"text": "Hello!"}]), concurrency=1)
    fever = [t for t in turns if t.kind == "fever"]
    assert fever and all(t.answered and not t.right and t.error == "fever: unexpected reply" for t in fever)
    assert all(t.right for t in turns if t.kind != "fever")
    turns, _, _ = run_against(lambda message: (500, {"error": "down"}), concurrency=1)
    assert turns and all(not t.answered and t.error == "HTTP 500" for t in turns)
